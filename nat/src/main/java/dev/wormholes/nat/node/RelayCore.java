package dev.wormholes.nat.node;

import dev.wormholes.dht.Contact;
import dev.wormholes.nat.relay.RelayClient;
import dev.wormholes.nat.relay.RelayCodec;
import dev.wormholes.nat.relay.RelayDecoded;
import dev.wormholes.nat.relay.RelayEvent;
import dev.wormholes.nat.relay.RelayLimits;
import dev.wormholes.nat.relay.RelayMessage;
import dev.wormholes.nat.relay.RelayReason;
import dev.wormholes.nat.relay.RelayServer;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.Transmit;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.random.RandomGenerator;

/**
 * A node's relay brain, one composing engine that node/'s {@code RelayAgent} and sim/'s {@code
 * NatLayer} drive: both ends of relayed circuits ({@link RelayClient}) and the relay itself
 * ({@link RelayServer}) on the node's one socket, with the node's relay decisions:
 *
 * <ul>
 *   <li>it serves as a relay (accepts new Opens) exactly while its {@link Host} serves as
 *       rendezvous, that is while it is public and not told otherwise; asked at each Open;
 *   <li>a relayed circuit through it reaches only a node registered with its rendezvous, at the
 *       address that registration holds; the {@link RelayLimits} cap circuits in all, per
 *       requester address and per target, and bytes per circuit and per address;
 *   <li>it accepts incoming circuits only from its own rendezvous peers (the relays its presence
 *       record names), by source address;
 *   <li>it never opens a circuit to itself or through itself ({@link RelayReason#SELF}).
 * </ul>
 *
 * <p>Which relays to try and when is {@link PathEngine}'s (a target's introducers in turn, at the
 * ladder's time). A 0x0F datagram goes first to the client (answers to its opens, Incoming, Data
 * of its circuits) and otherwise to the server. Contract as {@code dht/}: inputs {@code handle*},
 * {@link #open}, {@link #wrap}, {@link #close}; outputs {@link #pollTransmit}, {@link #pollEvent};
 * {@link #handleTimeout} at {@link #pollTimeout}. Time is handed in; randomness (circuit ids,
 * open nonces) comes from the generator handed in.
 */
public final class RelayCore {

  /** What the relay decisions read from the node's NAT brain ({@link NatCore} is one). */
  public interface Host {
    /** Return where {@code id} registered with this node's rendezvous (its NAT binding), if it did. */
    Optional<InetSocketAddress> registered(NodeId id);

    /** Return whether this node serves as rendezvous (and so as relay) now. */
    boolean serving();

    /** Return the rendezvous peers this node is registered with: its introducers and relays. */
    List<Contact> rendezvous();
  }

  private final NodeId self;
  private final Host host;
  private final RandomGenerator random;
  private final RelayServer server;
  private final RelayClient client;
  private final ArrayDeque<RelayEvent> events = new ArrayDeque<>();
  private final Map<InetSocketAddress, NodeId> relayIds = new HashMap<>();
  private final Map<Long, NodeId> openingVia = new HashMap<>();
  private long unroutable;

  /** Make the engine of node {@code self} over {@code host}'s rendezvous state. */
  public RelayCore(NodeId self, Host host, RelayLimits limits, RelayClient.Settings settings, RandomGenerator random) {
    this.self = self;
    this.host = host;
    this.random = random;
    this.server = new RelayServer(limits, host::registered, random);
    this.client = new RelayClient(settings, this::trusted, random);
  }

  /** The rule for incoming circuits: only from a relay this node is registered with. */
  private boolean trusted(InetSocketAddress relay) {
    for (Contact c : host.rendezvous()) {
      if (c.address().equals(relay)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Ask {@code relay} (node {@code relayId}) for a circuit to {@code target}; return the request
   * id that the {@link RelayEvent.Opened} or {@link RelayEvent.OpenFailed} event will carry. An
   * open to this node or through it fails at once with {@link RelayReason#SELF}.
   */
  public long open(InetSocketAddress relay, NodeId relayId, NodeId target, long now) {
    if (target.equals(self) || relayId.equals(self)) {
      long request = random.nextLong();
      events.add(new RelayEvent.OpenFailed(request, relay, RelayReason.SELF));
      return request;
    }
    long request = client.open(relay, target, now);
    openingVia.put(request, relayId);
    return request;
  }

  /** Feed a relay datagram (first byte 0x0F) from {@code from}; bad input is counted, never thrown. */
  public void handleDatagram(InetSocketAddress from, byte[] bytes, long now) {
    RelayDecoded d = RelayCodec.decode(bytes);
    if (d instanceof RelayDecoded.Ok ok) {
      RelayMessage m = ok.message();
      if (!client.handleMessage(from, m, now)) {
        if (m instanceof RelayMessage.Open) { // asked per open, not per forwarded packet
          server.setServing(host.serving());
        }
        server.handleMessage(from, m, now);
      }
    } else if (host.serving()) {
      server.countMalformed();
    } else {
      client.countMalformed();
    }
  }

  /**
   * Wrap a QUIC packet for the circuit behind {@code synthetic} into a Data datagram for its
   * relay; empty (counted) when no such circuit is open.
   */
  public Optional<Transmit> wrap(InetSocketAddress synthetic, byte[] packet, int off, int len, long now) {
    Optional<Transmit> t = client.wrap(synthetic, packet, off, len, now);
    if (t.isEmpty()) {
      unroutable++; // a connection outliving its circuit: QUIC times it out
    }
    return t;
  }

  /** Close the circuit behind {@code synthetic} (telling its relay); no-op if there is none. */
  public void close(InetSocketAddress synthetic, RelayReason reason) {
    client.close(synthetic, reason);
  }

  /** Close every circuit this node serves or is an end of, telling relays and ends. */
  public void closeAll(RelayReason reason) {
    server.closeAll();
    for (InetSocketAddress s : List.copyOf(relayIds.keySet())) {
      client.close(s, reason);
    }
  }

  /** Run the engines' timers (open retries, pending and idle expiry, keepalives). */
  public void handleTimeout(long now) {
    server.handleTimeout(now);
    client.handleTimeout(now);
  }

  /** Return when {@link #handleTimeout} should run next, if anything waits for time. */
  public OptionalLong pollTimeout() {
    long at = Math.min(server.pollTimeout().orElse(Long.MAX_VALUE), client.pollTimeout().orElse(Long.MAX_VALUE));
    return at == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(at);
  }

  /** Return the next datagram to send. */
  public Optional<Transmit> pollTransmit() {
    Optional<Transmit> t = server.pollTransmit();
    return t.isPresent() ? t : client.pollTransmit();
  }

  /** Return the next event of this node's own circuits. */
  public Optional<RelayEvent> pollEvent() {
    RelayEvent e = events.poll();
    if (e == null) {
      Optional<RelayEvent> c = client.pollEvent();
      if (c.isEmpty()) {
        return c;
      }
      e = c.get();
    }
    if (e instanceof RelayEvent.Opened o) {
      NodeId via = openingVia.remove(o.request());
      if (via != null) {
        relayIds.put(o.synthetic(), via);
      }
    } else if (e instanceof RelayEvent.OpenFailed f) {
      openingVia.remove(f.request());
    } else if (e instanceof RelayEvent.Closed c) {
      relayIds.remove(c.synthetic());
    }
    return Optional.of(e);
  }

  /** Return the relay carrying the circuit behind {@code synthetic}, if that circuit is open. */
  public Optional<InetSocketAddress> relayOf(InetSocketAddress synthetic) {
    return client.relayOf(synthetic);
  }

  /** Return the node id of the relay carrying the circuit this node opened behind {@code synthetic}. */
  public Optional<NodeId> relayIdOf(InetSocketAddress synthetic) {
    return client.relayOf(synthetic).isPresent() ? Optional.ofNullable(relayIds.get(synthetic)) : Optional.empty();
  }

  /** Return the circuits this node relays for others (pending included). */
  public int servedCircuits() {
    return server.circuitCount();
  }

  /** Return the circuits this node is an end of. */
  public int ownCircuits() {
    return client.circuitCount();
  }

  /** Return the relay engine's counters. */
  public RelayServer.Counters serverCounters() {
    return server.counters();
  }

  /** Return the end engine's counters. */
  public RelayClient.Counters clientCounters() {
    return client.counters();
  }

  /** Return QUIC packets for synthetic addresses that had no circuit (dropped). */
  public long unroutablePackets() {
    return unroutable;
  }

  /**
   * Return the relay input refused or dropped so far, by reason (keys {@code relay_...}): Opens
   * refused by this node's relay and relay datagrams that were malformed, spoofed, over a rate,
   * for unknown circuits or from untrusted relays.
   */
  public Map<String, Long> refusals() {
    RelayServer.Counters s = server.counters();
    RelayClient.Counters c = client.counters();
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("relay_unknown_target", s.unknownTarget());
    m.put("relay_over_capacity", s.overCapacity());
    m.put("relay_over_quota", s.overQuota());
    m.put("relay_not_serving", s.notServing());
    m.put("relay_wrong_source", s.wrongSource());
    m.put("relay_rate_limited_packets", s.rateLimitedPackets());
    m.put("relay_unknown_circuit", s.unknownCircuit() + c.unknownCircuit());
    m.put("relay_malformed", s.malformed() + c.malformed());
    m.put("relay_untrusted_incoming", c.untrustedIncoming());
    m.put("relay_stray", c.stray());
    return m;
  }
}
