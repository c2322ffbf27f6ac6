package dev.wormholes.nat.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.Transmit;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The end's engine on a fake clock, alone and in a three-party harness with a {@link RelayServer}
 * (A opens through R to B, packets cross both ways, idle circuits close).
 */
class RelayClientTest {
  static final InetSocketAddress A = RelayServerTest.A;
  static final InetSocketAddress B = RelayServerTest.B;
  static final InetSocketAddress R = RelayServerTest.addr(192, 0, 2, 1, 4000);
  static final InetSocketAddress EVE = RelayServerTest.EVE;
  static final NodeId B_ID = RelayServerTest.B_ID;

  long now = 5_000;
  final RelayClient a = new RelayClient(RelayClient.Settings.defaults(), x -> false, new SplittableRandom(1));
  final RelayClient b = new RelayClient(RelayClient.Settings.defaults(), Set.of(R)::contains, new SplittableRandom(2));
  final RelayServer r = new RelayServer(RelayLimits.defaults(),
      id -> id.equals(B_ID) ? Optional.of(B) : Optional.empty(), new SplittableRandom(3));
  final Map<InetSocketAddress, List<RelayEvent>> events = new HashMap<>();

  /** Deliver every pending transmit of every party until quiet; return how many were delivered. */
  int drive() {
    int n = 0;
    boolean moved = true;
    while (moved) {
      moved = false;
      for (Object[] p : new Object[][] {{A, a}, {B, b}, {R, r}}) {
        Optional<Transmit> t;
        while ((t = poll(p[1])).isPresent()) {
          deliver((InetSocketAddress) p[0], t.get());
          moved = true;
          n++;
        }
      }
      collect(A, a);
      collect(B, b);
    }
    return n;
  }

  static Optional<Transmit> poll(Object party) {
    return party instanceof RelayClient c ? c.pollTransmit() : ((RelayServer) party).pollTransmit();
  }

  void deliver(InetSocketAddress from, Transmit t) {
    if (t.to().equals(R)) {
      r.handleDatagram(from, t.payload(), now);
    } else if (t.to().equals(A)) {
      a.handleDatagram(from, t.payload(), now);
    } else if (t.to().equals(B)) {
      b.handleDatagram(from, t.payload(), now);
    }
  }

  void collect(InetSocketAddress who, RelayClient c) {
    for (Optional<RelayEvent> e = c.pollEvent(); e.isPresent(); e = c.pollEvent()) {
      events.computeIfAbsent(who, k -> new ArrayList<>()).add(e.get());
    }
  }

  <T> T last(InetSocketAddress who, Class<T> type) {
    List<RelayEvent> es = events.getOrDefault(who, List.of());
    for (int i = es.size() - 1; i >= 0; i--) {
      if (type.isInstance(es.get(i))) {
        return type.cast(es.get(i));
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " at " + who + ": " + es);
  }

  /**
   * Issue 12: spoofed 13-byte Incomings "from" a trusted relay filled all 1024 circuits. Now they
   * hold at most {@link RelayClient#MAX_UNPROVEN_INCOMING} places and a real circuit still opens;
   * each costs one Accept of its own size.
   */
  @Test
  void spoofedIncomingsHoldFewPlacesAndARealCircuitStillOpens() {
    long accepts = 0;
    for (long c = 1; c <= 5000; c++) {
      b.handleDatagram(R, RelayCodec.encode(new RelayMessage.Incoming(c)), now);
      for (Optional<Transmit> t = b.pollTransmit(); t.isPresent(); t = b.pollTransmit()) {
        assertTrue(t.get().payload().length <= RelayCodec.encode(new RelayMessage.Incoming(c)).length);
        accepts++;
      }
    }
    assertEquals(5000, accepts);
    assertTrue(b.circuitCount() <= RelayClient.MAX_UNPROVEN_INCOMING, "circuits held: " + b.circuitCount());
    long req = b.open(R, RelayServerTest.NOBODY, now);
    assertTrue(b.pendingCount() == 1, "an open of our own still has room (request " + req + ")");
  }

  @Test
  void openThroughTheRelayThenPacketsCrossBothWays() {
    long req = a.open(R, B_ID, now);
    drive();
    RelayEvent.Opened opened = last(A, RelayEvent.Opened.class);
    assertEquals(req, opened.request());
    assertTrue(SyntheticAddresses.isSynthetic(opened.synthetic()));
    RelayEvent.Incoming in = last(B, RelayEvent.Incoming.class);
    assertEquals(R, in.relay());
    assertEquals(Optional.of(R), a.relayOf(opened.synthetic()));

    byte[] quic = new byte[1350];
    Arrays.fill(quic, (byte) 0xC3);
    sendFrom(a, opened.synthetic(), quic);
    RelayEvent.Packet p = last(B, RelayEvent.Packet.class);
    assertEquals(in.synthetic(), p.synthetic());
    assertArrayEquals(quic, Arrays.copyOfRange(p.datagram(), p.offset(), p.offset() + p.length()));
    sendFrom(b, in.synthetic(), new byte[] {0x41, 2, 3});
    assertEquals(3, last(A, RelayEvent.Packet.class).length());
    assertEquals(opened.synthetic(), last(A, RelayEvent.Packet.class).synthetic());
  }

  void sendFrom(RelayClient c, InetSocketAddress synthetic, byte[] packet) {
    Transmit t = c.wrap(synthetic, packet, 0, packet.length, now).orElseThrow();
    deliver(c == a ? A : B, t);
    drive();
  }

  @Test
  void lostOpensAreRetriedThenGivenUp() {
    RelayClient lonely = new RelayClient(new RelayClient.Settings(500, 3, 100_000, 8, 15_000), x -> false,
        new SplittableRandom(4));
    long req = lonely.open(R, B_ID, now);
    int sent = 0;
    for (int i = 0; i < 20; i++) {
      while (lonely.pollTransmit().isPresent()) {
        sent++;
      }
      now = lonely.pollTimeout().orElse(now + 500);
      lonely.handleTimeout(now);
    }
    assertEquals(3, sent);
    RelayEvent.OpenFailed f = assertInstanceOf(RelayEvent.OpenFailed.class, lonely.pollEvent().orElseThrow());
    assertEquals(req, f.request());
    assertEquals(RelayReason.NO_ANSWER, f.reason());
    assertEquals(0, lonely.pendingCount());
  }

  @Test
  void refusalsAreReportedWithTheirReason() {
    a.open(R, NodeId.ofWords(7, 7, 7, 7), now);
    drive();
    assertEquals(RelayReason.UNKNOWN_TARGET, last(A, RelayEvent.OpenFailed.class).reason());
    assertEquals(1, a.counters().refused());
  }

  @Test
  void incomingFromRelaysThisNodeDoesNotUseIsIgnored() {
    assertTrue(b.handleDatagram(EVE, RelayCodec.encode(new RelayMessage.Incoming(5)), now));
    assertTrue(b.pollTransmit().isEmpty(), "no Accept to a stranger");
    assertEquals(1, b.counters().untrustedIncoming());
    assertEquals(0, b.circuitCount());
  }

  @Test
  void strayAnswersAndForeignDataAreNotTaken() {
    assertTrue(a.handleDatagram(R, RelayCodec.encode(new RelayMessage.Opened(99, 1)), now));
    assertEquals(1, a.counters().stray());
    byte[] d = RelayCodec.encode(RelayCodec.data(1, new byte[] {0x41}, 0, 1));
    assertFalse(a.handleDatagram(R, d, now), "Data of no circuit of ours is left to a relay engine");
    assertFalse(a.handleDatagram(R, RelayCodec.encode(new RelayMessage.Open(1, B_ID)), now));
    assertTrue(a.wrap(RelayServerTest.addr(1, 2, 3, 4, 5), new byte[] {0x41}, 0, 1, now).isEmpty());
    assertEquals(1, a.counters().unroutable());
  }

  @Test
  void idleCircuitsCloseAndTellTheRelay() {
    a.open(R, B_ID, now);
    drive();
    InetSocketAddress s = last(A, RelayEvent.Opened.class).synthetic();
    now += 100_000;
    a.handleTimeout(now);
    b.handleTimeout(now);
    drive();
    assertEquals(new RelayEvent.Closed(s, RelayReason.IDLE), last(A, RelayEvent.Closed.class));
    assertEquals(0, a.circuitCount());
    assertEquals(0, r.circuitCount(), "the relay heard of it");
    assertEquals(0, b.circuitCount(), "and told the other end");
  }

  @Test
  void quietCircuitsSendKeepalivesThatKeepTheRelaysCircuitButNotTheClientsIdleClock() {
    a.open(R, B_ID, now);
    drive();
    InetSocketAddress s = last(A, RelayEvent.Opened.class).synthetic();
    sendFrom(a, s, new byte[] {0x41, 1}); // one packet: the target's end is proven from now on
    int seen = 0;
    for (int t = 0; t < 90; t++) { // 90 s without Data
      now += 1_000;
      a.handleTimeout(now);
      b.handleTimeout(now);
      for (Optional<Transmit> x = a.pollTransmit(); x.isPresent(); x = a.pollTransmit()) {
        assertInstanceOf(RelayMessage.Keepalive.class, RelayServerTest.decode(x.get()));
        assertEquals(13, x.get().payload().length);
        seen++;
        deliver(A, x.get());
      }
      drive();
      assertTrue(r.pollTransmit().isEmpty(), "a Keepalive is never answered or forwarded");
    }
    assertTrue(seen >= 5 && seen <= 7, "one Keepalive per ~15 quiet seconds: " + seen);
    assertEquals(2 * seen, r.counters().keepalives(), "both ends keep their bindings alive");
    now += 20_000;
    a.handleTimeout(now);
    drive();
    assertEquals(new RelayEvent.Closed(s, RelayReason.IDLE), last(A, RelayEvent.Closed.class),
        "keepalives do not keep an unused circuit open at its end");
  }

  @Test
  void everyCircuitGetsItsOwnSyntheticAddress() {
    a.open(R, B_ID, now);
    a.open(R, B_ID, now);
    drive();
    List<RelayEvent> es = events.get(A);
    assertEquals(2, es.size());
    assertNotEquals(((RelayEvent.Opened) es.get(0)).synthetic(), ((RelayEvent.Opened) es.get(1)).synthetic());
    assertEquals(2, b.circuitCount());
    assertFalse(SyntheticAddresses.isSynthetic(A));
    assertFalse(SyntheticAddresses.isSynthetic(new InetSocketAddress("::1", 9)));
  }
}
