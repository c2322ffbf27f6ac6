package dev.wormholes.node.runtime;

import dev.wormholes.node.store.NodeStore;
import dev.wormholes.proto.Endpoints;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.Limits;
import dev.wormholes.proto.NodeId;
import dev.wormholes.dht.Contact;
import dev.wormholes.proto.wire.EndpointKind;
import dev.wormholes.proto.wire.NatReport;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.ReachEndpoint;
import dev.wormholes.proto.wire.StoredValue;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides what this node's presence record says and when a new one is due. An OBSERVED endpoint
 * is advertised once at least {@link #CONFIRMATIONS} distinct peers report the same address; LAN
 * endpoints come from the local interfaces. A new record (seq from the store, so strictly
 * increasing across restarts; expiry one hour ahead) is due when the endpoints change (or the NAT
 * facts of {@link #setNat}: MAPPED endpoint, NAT report, introducers), when none
 * was published yet, when a quarter of its lifetime is left, or when the routing table has doubled while still small (the first record
 * went to the few peers known then). Not thread-safe: lives on the runtime's event loop.
 */
public final class PresencePublisher {
  /** Distinct reporters needed before an observed address is advertised. */
  public static final int CONFIRMATIONS = 2;
  /** Lifetime of a published record. */
  public static final long LIFETIME_MS = 60 * 60 * 1000L;
  private static final int MAX_TRACKED = 16;
  private static final int MAX_REPORTERS = 8;
  private static final int MAX_OBSERVED_ENDPOINTS = 4;

  private final Identity identity;
  private final NodeStore store;
  private final long networkId;
  private final List<InetSocketAddress> lan;
  // Observed address -> distinct reporters, least recently reported first (bounded).
  private final LinkedHashMap<InetSocketAddress, Set<NodeId>> observed = new LinkedHashMap<>(16, 0.75f, true);
  private List<ReachEndpoint> publishedEndpoints;
  private Nat nat = Nat.NONE;
  private Nat publishedNat;
  private int contactsAtPublish;
  private long renewAt;
  private StoredValue current;

  /** Return a publisher for {@code identity} advertising the {@code lan} endpoints. */
  public PresencePublisher(Identity identity, NodeStore store, long networkId, List<InetSocketAddress> lan) {
    this.identity = identity;
    this.store = store;
    this.networkId = networkId;
    this.lan = List.copyOf(lan);
  }

  /**
   * What the NAT agent adds to the record.
   *
   * @param mapped the port-mapped endpoint, or null
   * @param report the NAT report's wire form, or null while nothing is known
   * @param introducers the rendezvous peers this node is registered with
   */
  public record Nat(InetSocketAddress mapped, NatReport report, List<Contact> introducers) {
    /** Nothing known. */
    public static final Nat NONE = new Nat(null, null, List.of());

    /** Make the facts; {@code introducers} is copied. */
    public Nat {
      introducers = List.copyOf(introducers);
    }
  }

  /** Replace the NAT facts; a new record is due when they differ from the published ones. */
  public void setNat(Nat facts) {
    this.nat = facts;
  }

  /** Return the NAT facts the next record carries. */
  public Nat nat() {
    return nat;
  }

  /** Record that peer {@code by} saw this node at {@code address}. */
  public void onObserved(NodeId by, InetSocketAddress address) {
    Set<NodeId> reporters = observed.computeIfAbsent(address, a -> new LinkedHashSet<>());
    if (reporters.size() < MAX_REPORTERS) {
      reporters.add(by);
    }
    if (observed.size() > MAX_TRACKED) {
      Iterator<InetSocketAddress> it = observed.keySet().iterator();
      it.next();
      it.remove();
    }
  }

  /** Return observed addresses, most-reported first (for {@code status}). */
  public List<InetSocketAddress> observedAddresses() {
    List<Map.Entry<InetSocketAddress, Set<NodeId>>> es = new ArrayList<>(observed.entrySet());
    es.sort(Comparator.comparingInt((Map.Entry<InetSocketAddress, Set<NodeId>> e) -> -e.getValue().size())
        .thenComparing(e -> e.getKey().toString()));
    List<InetSocketAddress> out = new ArrayList<>();
    es.forEach(e -> out.add(e.getKey()));
    return out;
  }

  /** Return the endpoints a record made now would carry. */
  public List<ReachEndpoint> endpoints() {
    List<ReachEndpoint> out = new ArrayList<>();
    for (InetSocketAddress a : lan) {
      out.add(endpoint(EndpointKind.ENDPOINT_LAN, a));
    }
    int n = 0;
    for (InetSocketAddress a : observedAddresses()) {
      if (observed.get(a).size() >= CONFIRMATIONS && n++ < MAX_OBSERVED_ENDPOINTS) {
        out.add(endpoint(EndpointKind.ENDPOINT_OBSERVED, a));
      }
    }
    if (nat.mapped() != null) {
      out.add(endpoint(EndpointKind.ENDPOINT_MAPPED, nat.mapped()));
    }
    return out.subList(0, Math.min(out.size(), Limits.MAX_ENDPOINTS));
  }

  private static ReachEndpoint endpoint(EndpointKind kind, InetSocketAddress a) {
    return ReachEndpoint.newBuilder().setKind(kind).setEndpoint(Endpoints.toWire(a)).build();
  }

  /** Return whether a new record is due, given the routing table's size and the wall time. */
  public boolean due(int contactCount, long wallMillis) {
    if (contactCount == 0) {
      return false;
    }
    if (current == null || !endpoints().equals(publishedEndpoints) || !nat.equals(publishedNat)
        || wallMillis >= renewAt) {
      return true;
    }
    return contactCount >= 2 * contactsAtPublish && contactsAtPublish < 64;
  }

  /** Make, remember and return the next record (seq taken durably from the store). */
  public StoredValue next(long wallMillis, int contactCount) {
    List<ReachEndpoint> eps = endpoints();
    Presence.Builder p = Presence.newBuilder()
        .setSeq(store.nextPresenceSeq())
        .setExpiresAtMs(wallMillis + LIFETIME_MS)
        .addAllEndpoints(eps)
        .setNetworkId(networkId);
    if (nat.report() != null) {
      p.setNat(nat.report());
    }
    for (Contact c : nat.introducers().subList(0, Math.min(nat.introducers().size(), Limits.MAX_INTRODUCERS))) {
      p.addIntroducers(Endpoints.contact(c.id(), c.address()));
    }
    current = DhtValues.presence(identity, p.build());
    publishedEndpoints = eps;
    publishedNat = nat;
    contactsAtPublish = contactCount;
    renewAt = wallMillis + LIFETIME_MS * 3 / 4; // a fresh record well before this one expires
    return current;
  }

  /** Return the last record made, or null if none yet. */
  public StoredValue current() {
    return current;
  }
}
