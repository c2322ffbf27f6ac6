package dev.wormholes.nat.node;

import dev.wormholes.dht.Contact;
import dev.wormholes.nat.AddressObserver;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Endpoints;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.Limits;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.EndpointKind;
import dev.wormholes.proto.wire.NatReport;
import dev.wormholes.proto.wire.PersonaHead;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.ReachEndpoint;
import dev.wormholes.proto.wire.StoredValue;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * What this node's presence record says and when a new one is due, sans-I/O. The endpoints: the
 * LAN endpoints of the local interfaces; OBSERVED endpoints that an {@link AddressObserver} believes
 * with at least {@link AddressObserver.Confidence#MEDIUM} confidence (two reporters in two
 * networks, reports valid for 10 minutes; reporters at private addresses are on our side of the
 * NAT and left out, as {@link Observations} does for punching); the MAPPED endpoint of the NAT
 * facts ({@link #setNat}). The record also carries the NAT report, the introducers and the head of
 * the node's persona key log ({@link #setPersona}).
 *
 * <p>A new record is due ({@link #due}) when the endpoints or the NAT facts differ from the
 * published ones, when none was published yet, when a quarter of its lifetime is left, or when the
 * routing table has doubled while still small (the first record went to the few peers known then).
 * {@link #next} makes it with the sequence number the driver hands in (durable, strictly increasing
 * across restarts) and an expiry one hour ahead. Monotonic {@code now} ages observations; {@code
 * wallMillis} stamps records. Not thread-safe.
 */
public final class PresencePolicy {
  /** Lifetime of a published record. */
  public static final long LIFETIME_MS = 60 * 60 * 1000L;
  /** OBSERVED endpoints a record carries at most. */
  static final int MAX_OBSERVED_ENDPOINTS = 4;

  private final Identity identity;
  private final long networkId;
  private final List<InetSocketAddress> lan;
  private final AddressObserver observer = new AddressObserver();
  private List<ReachEndpoint> publishedEndpoints;
  private Nat nat = Nat.NONE;
  private Nat publishedNat;
  private PersonaHead persona;
  private PersonaHead publishedPersona;
  private List<com.google.protobuf.ByteString> mailboxes = List.of();
  private List<com.google.protobuf.ByteString> publishedMailboxes = List.of();
  private int contactsAtPublish;
  private long renewAt;
  private StoredValue current;
  private long insideReports;

  /** Make the policy for {@code identity} in network {@code networkId}, on the {@code lan} endpoints. */
  public PresencePolicy(Identity identity, long networkId, List<InetSocketAddress> lan) {
    this.identity = identity;
    this.networkId = networkId;
    this.lan = List.copyOf(lan);
  }

  /**
   * What the NAT engine adds to the record.
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

  /**
   * Replace the persona key-log head the records carry (null: none); a new record is due when it
   * differs from the published one.
   */
  public void setPersona(PersonaHead head) {
    this.persona = head;
  }

  /**
   * Replace the mailbox friends (persona ids) the records carry; a new record is due when they
   * differ from the published ones.
   */
  public void setMailboxes(List<com.google.protobuf.ByteString> personas) {
    this.mailboxes = List.copyOf(personas);
  }

  /** Return the NAT facts the next record carries. */
  public Nat nat() {
    return nat;
  }

  /** Record that peer {@code by}, reached at {@code byAddress}, saw this node at {@code observed}. */
  public void handleObservation(NodeId by, InetSocketAddress byAddress, InetSocketAddress observed, long now) {
    if (byAddress == null || observed == null || byAddress.isUnresolved()) {
      return;
    }
    if (Observations.privateNetwork(byAddress.getAddress())) {
      insideReports++;
      return;
    }
    observer.handleObservation(by, byAddress, observed, now);
    while (observer.pollEvent().isPresent()) {
      // the endpoints are read from the observer at every due() check
    }
  }

  /** Return every endpoint named by a live report, best first, with its confidence (for status). */
  public List<AddressObserver.PublicEndpoint> observed(long now) {
    return observer.endpoints(now);
  }

  /** Return the endpoints a record made now would carry. */
  public List<ReachEndpoint> endpoints(long now) {
    List<ReachEndpoint> out = new ArrayList<>();
    for (InetSocketAddress a : lan) {
      out.add(endpoint(EndpointKind.ENDPOINT_LAN, a));
    }
    int n = 0;
    for (AddressObserver.PublicEndpoint p : observer.endpoints(now)) {
      if (p.confidence() != AddressObserver.Confidence.LOW && n++ < MAX_OBSERVED_ENDPOINTS) {
        out.add(endpoint(EndpointKind.ENDPOINT_OBSERVED, p.endpoint()));
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

  /** Return whether a new record is due, given the routing table's size and the times. */
  public boolean due(int contactCount, long wallMillis, long now) {
    if (contactCount == 0) {
      return false;
    }
    if (current == null || !endpoints(now).equals(publishedEndpoints) || !nat.equals(publishedNat)
        || !java.util.Objects.equals(persona, publishedPersona) || !mailboxes.equals(publishedMailboxes)
        || wallMillis >= renewAt) {
      return true;
    }
    return contactCount >= 2 * contactsAtPublish && contactsAtPublish < 64;
  }

  /** Make, remember and return the next record, numbered {@code seq}. */
  public StoredValue next(long seq, long wallMillis, int contactCount, long now) {
    List<ReachEndpoint> eps = endpoints(now);
    Presence.Builder p = Presence.newBuilder()
        .setSeq(seq)
        .setExpiresAtMs(wallMillis + LIFETIME_MS)
        .addAllEndpoints(eps)
        .setNetworkId(networkId);
    if (nat.report() != null) {
      p.setNat(nat.report());
    }
    if (persona != null) {
      p.setPersona(persona);
    }
    p.addAllMailboxes(mailboxes);
    for (Contact c : nat.introducers().subList(0, Math.min(nat.introducers().size(), Limits.MAX_INTRODUCERS))) {
      p.addIntroducers(Endpoints.contact(c.id(), c.address()));
    }
    current = DhtValues.presence(identity, fitted(p));
    publishedEndpoints = eps;
    publishedNat = nat;
    publishedPersona = persona;
    publishedMailboxes = mailboxes;
    contactsAtPublish = contactCount;
    renewAt = wallMillis + LIFETIME_MS * 3 / 4; // a fresh record well before this one expires
    return current;
  }

  /**
   * Return the record of {@code p} cut to {@link Limits#MAX_PRESENCE} bytes as the holders count
   * them (with the public key): LAN endpoints go first, from the last, down to one (neighbours on a
   * LAN also find each other by discovery), then introducers down to two, then endpoints from the
   * last (the observed and mapped ones come after the LAN ones), then the rest of the introducers.
   * Eight IPv6 LAN addresses, four observed, a mapped one, eight IPv6 introducers, a persona head and
   * three mailbox friends make 1,061 bytes; without the cut {@link DhtValues#presence} refuses to sign
   * and the node publishes nothing at all.
   */
  private Presence fitted(Presence.Builder p) {
    p.setPublicKey(com.google.protobuf.ByteString.copyFrom(identity.publicKey()));
    while (p.build().getSerializedSize() > Limits.MAX_PRESENCE) {
      int lanCount = (int) p.getEndpointsList().stream().filter(e -> e.getKind() == EndpointKind.ENDPOINT_LAN).count();
      if (lanCount > 1) {
        p.removeEndpoints(lanCount - 1); // the LAN endpoints come first
      } else if (p.getIntroducersCount() > 2) {
        p.removeIntroducers(p.getIntroducersCount() - 1);
      } else if (p.getEndpointsCount() > 0) {
        p.removeEndpoints(p.getEndpointsCount() - 1);
      } else if (p.getIntroducersCount() > 0) {
        p.removeIntroducers(p.getIntroducersCount() - 1);
      } else {
        break; // what is left (key, report, persona, three mailboxes) is far below the limit
      }
    }
    return p.build();
  }

  /** Return the last record made, or null if none yet. */
  public StoredValue current() {
    return current;
  }

  /** Return how many reports came from peers at private addresses (left out). */
  public long insideReports() {
    return insideReports;
  }
}
