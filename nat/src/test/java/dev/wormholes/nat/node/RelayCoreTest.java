package dev.wormholes.nat.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.dht.Contact;
import dev.wormholes.nat.relay.RelayClient;
import dev.wormholes.nat.relay.RelayEvent;
import dev.wormholes.nat.relay.RelayLimits;
import dev.wormholes.nat.relay.RelayReason;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.Transmit;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The relay decisions on a fake clock, three {@link RelayCore}s wired together: A opens through
 * R to B, who registered with R. R relays only while its host serves; B takes circuits only from
 * its rendezvous peers; nobody opens to or through itself.
 */
class RelayCoreTest {
  static final InetSocketAddress A = new InetSocketAddress("198.51.100.1", 1000);
  static final InetSocketAddress B = new InetSocketAddress("203.0.113.2", 2000);
  static final InetSocketAddress R = new InetSocketAddress("192.0.2.1", 4000);
  static final NodeId A_ID = NodeId.ofWords(1, 1, 1, 1);
  static final NodeId B_ID = NodeId.ofWords(2, 2, 2, 2);
  static final NodeId R_ID = NodeId.ofWords(3, 3, 3, 3);

  /** A settable host. */
  static final class FakeHost implements RelayCore.Host {
    final Map<NodeId, InetSocketAddress> registrations = new HashMap<>();
    boolean serving;
    List<Contact> rendezvous = List.of();

    @Override
    public Optional<InetSocketAddress> registered(NodeId id) {
      return Optional.ofNullable(registrations.get(id));
    }

    @Override
    public boolean serving() {
      return serving;
    }

    @Override
    public List<Contact> rendezvous() {
      return rendezvous;
    }
  }

  long now = 1_000;
  final FakeHost aHost = new FakeHost();
  final FakeHost bHost = new FakeHost();
  final FakeHost rHost = new FakeHost();
  final RelayCore a = core(A_ID, aHost, 1);
  final RelayCore b = core(B_ID, bHost, 2);
  final RelayCore r = core(R_ID, rHost, 3);
  final Map<InetSocketAddress, List<RelayEvent>> events = new HashMap<>();

  RelayCoreTest() {
    rHost.serving = true;
    rHost.registrations.put(B_ID, B);
    bHost.rendezvous = List.of(new Contact(R_ID, R));
  }

  static RelayCore core(NodeId id, RelayCore.Host host, long seed) {
    return new RelayCore(id, host, RelayLimits.defaults(), RelayClient.Settings.defaults(), new SplittableRandom(seed));
  }

  /** Deliver every datagram until quiet; collect every event. */
  void drive() {
    boolean moved = true;
    while (moved) {
      moved = false;
      for (Object[] p : new Object[][] {{A, a}, {B, b}, {R, r}}) {
        RelayCore c = (RelayCore) p[1];
        for (Optional<Transmit> t = c.pollTransmit(); t.isPresent(); t = c.pollTransmit()) {
          deliver((InetSocketAddress) p[0], t.get());
          moved = true;
        }
        for (Optional<RelayEvent> e = c.pollEvent(); e.isPresent(); e = c.pollEvent()) {
          events.computeIfAbsent((InetSocketAddress) p[0], k -> new ArrayList<>()).add(e.get());
        }
      }
    }
  }

  void deliver(InetSocketAddress from, Transmit t) {
    RelayCore to = t.to().equals(A) ? a : t.to().equals(B) ? b : t.to().equals(R) ? r : null;
    if (to != null) {
      to.handleDatagram(from, t.payload(), now);
    }
  }

  List<RelayEvent> of(InetSocketAddress who) {
    return events.getOrDefault(who, List.of());
  }

  @Test
  void aOpensThroughItsTargetsRendezvousAndPacketsCrossBothWays() {
    long request = a.open(R, R_ID, B_ID, now);
    drive();
    RelayEvent.Opened opened = assertInstanceOf(RelayEvent.Opened.class, of(A).get(0));
    assertEquals(request, opened.request());
    assertEquals(Optional.of(R_ID), a.relayIdOf(opened.synthetic()));
    assertEquals(1, r.servedCircuits());

    byte[] hello = {0x40, 1, 2, 3};
    a.wrap(opened.synthetic(), hello, 0, hello.length, now).ifPresent(t -> deliver(A, t));
    drive();
    RelayEvent.Incoming in = (RelayEvent.Incoming) of(B).stream().filter(RelayEvent.Incoming.class::isInstance)
        .findFirst().orElseThrow();
    RelayEvent.Packet p = (RelayEvent.Packet) of(B).stream().filter(RelayEvent.Packet.class::isInstance)
        .findFirst().orElseThrow();
    assertArrayEquals(hello, java.util.Arrays.copyOfRange(p.datagram(), p.offset(), p.offset() + p.length()));
    byte[] back = {0x40, 9};
    b.wrap(in.synthetic(), back, 0, back.length, now).ifPresent(t -> deliver(B, t));
    drive();
    assertTrue(of(A).stream().anyMatch(e -> e instanceof RelayEvent.Packet q && q.length() == 2));
  }

  @Test
  void aNodeThatDoesNotServeRefusesOpens() {
    rHost.serving = false;
    a.open(R, R_ID, B_ID, now);
    drive();
    RelayEvent.OpenFailed f = assertInstanceOf(RelayEvent.OpenFailed.class, of(A).get(0));
    assertEquals(RelayReason.NOT_SERVING, f.reason());
    assertEquals(1L, r.refusals().get("relay_not_serving"));
  }

  @Test
  void incomingCircuitsComeOnlyFromOwnRendezvousPeers() {
    bHost.rendezvous = List.of(new Contact(A_ID, A)); // R is not B's rendezvous peer
    long request = a.open(R, R_ID, B_ID, now);
    drive();
    assertTrue(of(B).isEmpty());
    assertEquals(1L, b.refusals().get("relay_untrusted_incoming"));
    for (int i = 0; i < 20 && of(A).isEmpty(); i++) { // R's pending circuit expires, A's open gives up
      now = Math.min(a.pollTimeout().orElse(Long.MAX_VALUE), r.pollTimeout().orElse(Long.MAX_VALUE));
      a.handleTimeout(now);
      r.handleTimeout(now);
      drive();
    }
    RelayEvent.OpenFailed f = assertInstanceOf(RelayEvent.OpenFailed.class, of(A).get(0));
    assertEquals(request, f.request());
  }

  @Test
  void noOpenToOrThroughItself() {
    long toSelf = a.open(R, R_ID, A_ID, now);
    long viaSelf = a.open(A, A_ID, B_ID, now);
    drive();
    assertEquals(List.of(new RelayEvent.OpenFailed(toSelf, R, RelayReason.SELF),
        new RelayEvent.OpenFailed(viaSelf, A, RelayReason.SELF)), of(A));
    assertEquals(0, r.servedCircuits());
  }
}
