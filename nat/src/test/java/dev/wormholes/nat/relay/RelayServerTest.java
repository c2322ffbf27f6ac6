package dev.wormholes.nat.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.nat.Networks;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.Transmit;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The relay engine on a fake clock: circuits, forwarding, refusals, quotas, expiry, memory. */
class RelayServerTest {
  static final InetSocketAddress A = addr(198, 51, 100, 1, 1000);
  static final InetSocketAddress B = addr(203, 0, 113, 2, 2000);
  static final InetSocketAddress EVE = addr(203, 0, 113, 66, 6666);
  static final NodeId B_ID = NodeId.ofWords(1, 2, 3, 4);
  static final NodeId NOBODY = NodeId.ofWords(9, 9, 9, 9);

  final Map<NodeId, InetSocketAddress> registered = new HashMap<>();
  RelayServer relay;
  long now = 1_000;

  static InetSocketAddress addr(int a, int b, int c, int d, int port) {
    return new InetSocketAddress(Networks.ofBytes(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d}), port);
  }

  @BeforeEach
  void setUp() {
    registered.put(B_ID, B);
    relay = server(RelayLimits.defaults());
  }

  RelayServer server(RelayLimits limits) {
    return new RelayServer(limits, id -> Optional.ofNullable(registered.get(id)), new SplittableRandom(7));
  }

  List<Transmit> feed(InetSocketAddress from, RelayMessage m) {
    relay.handleDatagram(from, RelayCodec.encode(m), now);
    return drain();
  }

  List<Transmit> drain() {
    List<Transmit> out = new ArrayList<>();
    for (Optional<Transmit> t = relay.pollTransmit(); t.isPresent(); t = relay.pollTransmit()) {
      out.add(t.get());
    }
    return out;
  }

  static RelayMessage decode(Transmit t) {
    return assertInstanceOf(RelayDecoded.Ok.class, RelayCodec.decode(t.payload())).message();
  }

  static RelayMessage.Data data(long circuit, int len) {
    byte[] p = new byte[len];
    p[0] = 0x41;
    return RelayCodec.data(circuit, p, 0, len);
  }

  /** Open a circuit A -> B and return its id. */
  long establish(RelayServer r, InetSocketAddress from, long nonce) {
    relay = r;
    List<Transmit> out = feed(from, new RelayMessage.Open(nonce, B_ID));
    assertEquals(1, out.size());
    assertEquals(B, out.get(0).to());
    long circuit = assertInstanceOf(RelayMessage.Incoming.class, decode(out.get(0))).circuit();
    out = feed(B, new RelayMessage.Accept(circuit));
    assertEquals(List.of(from), out.stream().map(Transmit::to).toList());
    assertEquals(new RelayMessage.Opened(nonce, circuit), decode(out.get(0)));
    return circuit;
  }

  @Test
  void openAcceptThenDataFlowsBothWaysUnchangedBetweenTheBoundAddressesOnly() {
    long c = establish(relay, A, 11);
    RelayMessage.Data up = data(c, 1200);
    List<Transmit> out = feed(A, up);
    assertEquals(1, out.size());
    assertEquals(B, out.get(0).to());
    assertArrayEquals(up.datagram(), out.get(0).payload());
    out = feed(B, data(c, 300));
    assertEquals(A, out.get(0).to());
    assertEquals(2, relay.counters().forwardedPackets());
    assertEquals(1213 + 313, relay.counters().forwardedBytes());
    assertEquals(1, relay.counters().opened());
  }

  @Test
  void unknownTargetIsRefusedCountedAndAnsweredWithFewerBytesThanTheOpen() {
    List<Transmit> out = feed(A, new RelayMessage.Open(5, NOBODY));
    assertEquals(new RelayMessage.Refused(5, RelayReason.UNKNOWN_TARGET), decode(out.get(0)));
    assertTrue(out.get(0).payload().length <= RelayCodec.OPEN_SIZE);
    assertEquals(1, relay.counters().unknownTarget());
    assertEquals(0, relay.circuitCount());
    out = feed(B, new RelayMessage.Open(6, B_ID));
    assertEquals(new RelayMessage.Refused(6, RelayReason.SELF), decode(out.get(0)));
  }

  @Test
  void spoofedAndUnknownCircuitsAreDroppedAndCounted() {
    long c = establish(relay, A, 1);
    assertEquals(List.of(), feed(EVE, data(c, 100)), "Data from a third address");
    assertEquals(List.of(), feed(A, data(c + 1, 100)), "Data on an unknown circuit");
    assertEquals(List.of(), feed(EVE, new RelayMessage.Close(c, RelayReason.BY_PEER)));
    assertEquals(List.of(), feed(A, new RelayMessage.Opened(1, c)), "a message only ends receive");
    relay.handleDatagram(A, new byte[] {0x0F, 1, 2}, now);
    RelayServer.Counters k = relay.counters();
    assertEquals(2, k.wrongSource());
    assertEquals(1, k.unknownCircuit());
    assertEquals(1, k.unexpected());
    assertEquals(1, k.malformed());
    assertEquals(0, k.forwardedPackets());
    assertEquals(1, relay.establishedCount(), "the circuit survives all of it");
  }

  @Test
  void acceptFromAnotherAddressThanTheTargetsDoesNotEstablish() {
    List<Transmit> out = feed(A, new RelayMessage.Open(3, B_ID));
    long c = ((RelayMessage.Incoming) decode(out.get(0))).circuit();
    assertEquals(List.of(), feed(EVE, new RelayMessage.Accept(c)));
    assertEquals(List.of(), feed(A, data(c, 50)), "no Data on a pending circuit");
    assertEquals(1, relay.counters().wrongSource());
    assertEquals(1, relay.counters().unknownCircuit());
    assertEquals(0, relay.establishedCount());
  }

  @Test
  void repeatedOpensAreOneOpen() {
    List<Transmit> first = feed(A, new RelayMessage.Open(3, B_ID));
    assertEquals(List.of(), feed(A, new RelayMessage.Open(3, B_ID)), "Incoming not resent within 250 ms");
    now += 300;
    List<Transmit> again = feed(A, new RelayMessage.Open(3, B_ID));
    assertEquals(decode(first.get(0)), decode(again.get(0)), "the same circuit's Incoming again");
    long c = ((RelayMessage.Incoming) decode(first.get(0))).circuit();
    feed(B, new RelayMessage.Accept(c));
    assertEquals(new RelayMessage.Opened(3, c), decode(feed(A, new RelayMessage.Open(3, B_ID)).get(0)));
    assertEquals(List.of(), feed(B, new RelayMessage.Accept(c)), "a repeated Accept changes nothing");
    assertEquals(1, relay.circuitCount());
  }

  @Test
  void byteRateQuotaDropsTheExcessOfOneCircuitOnlyAndRefillsWithTime() {
    InetSocketAddress a2 = addr(198, 51, 100, 2, 1000);
    relay = server(RelayLimits.defaults().withRates(100_000, 20_000, 1_000_000, 200_000));
    long c1 = establish(relay, A, 1);
    long c2 = establish(relay, a2, 2);
    int forwarded = 0;
    for (int i = 0; i < 100; i++) {
      forwarded += feed(A, data(c1, 1000)).size();
    }
    assertEquals(19, forwarded, "a 20 000-byte burst carries 19 datagrams of 1013 bytes");
    assertEquals(81, relay.counters().rateLimitedPackets());
    assertEquals(1, feed(a2, data(c2, 1000)).size(), "the other circuit is untouched");
    now += 1_000; // 100 000 bytes of refill, capped at the 20 000 burst
    forwarded = 0;
    for (int i = 0; i < 100; i++) {
      forwarded += feed(A, data(c1, 1000)).size();
    }
    assertEquals(19, forwarded);
    // Sustained: one datagram per ~10 ms gets through at 100 kB/s.
    forwarded = 0;
    for (int i = 0; i < 1000; i++) {
      now += 10;
      forwarded += feed(A, data(c1, 1000)).size();
    }
    assertTrue(forwarded >= 980 && forwarded <= 1000, "sustained rate: " + forwarded);
  }

  @Test
  void perIpByteRateCoversAllCircuitsOfThatIp() {
    relay = server(RelayLimits.defaults().withRates(1_000_000, 200_000, 100_000, 20_000));
    long c1 = establish(relay, A, 1);
    long c2 = establish(relay, new InetSocketAddress(A.getAddress(), 1001), 2);
    int forwarded = 0;
    for (int i = 0; i < 50; i++) {
      forwarded += feed(A, data(c1, 1000)).size();
      forwarded += feed(new InetSocketAddress(A.getAddress(), 1001), data(c2, 1000)).size();
    }
    assertEquals(19, forwarded, "both circuits of one IP share its 20 000-byte burst");
    assertEquals(1, feed(B, data(c1, 1000)).size(), "the target's own IP has its own bucket");
  }

  @Test
  void circuitQuotasPerIpPerTargetAndInAll() {
    relay = server(RelayLimits.defaults().withCircuits(5, 2, 4));
    feed(A, new RelayMessage.Open(1, B_ID));
    feed(A, new RelayMessage.Open(2, B_ID));
    assertEquals(new RelayMessage.Refused(3, RelayReason.OVER_QUOTA),
        decode(feed(new InetSocketAddress(A.getAddress(), 9), new RelayMessage.Open(3, B_ID)).get(0)));
    feed(addr(10, 0, 0, 1, 1), new RelayMessage.Open(4, B_ID));
    feed(addr(10, 0, 0, 2, 1), new RelayMessage.Open(5, B_ID));
    assertEquals(new RelayMessage.Refused(6, RelayReason.OVER_QUOTA),
        decode(feed(addr(10, 0, 0, 3, 1), new RelayMessage.Open(6, B_ID)).get(0)), "B has 4 circuits");
    NodeId c = NodeId.ofWords(5, 5, 5, 5);
    registered.put(c, addr(10, 9, 9, 9, 9));
    feed(addr(10, 0, 0, 4, 1), new RelayMessage.Open(7, c));
    assertEquals(new RelayMessage.Refused(8, RelayReason.OVER_CAPACITY),
        decode(feed(addr(10, 0, 0, 5, 1), new RelayMessage.Open(8, c)).get(0)));
    assertEquals(2, relay.counters().overQuota());
    assertEquals(1, relay.counters().overCapacity());
  }

  /** Issue 12: two requesters' 128 Opens took a target's whole quota; now each gets a share. */
  @Test
  void oneRequesterCannotTakeATargetsWholeQuota() {
    InetSocketAddress[] attackers = {addr(203, 0, 113, 7, 1), addr(192, 0, 2, 7, 1)};
    int opened = 0;
    for (InetSocketAddress from : attackers) {
      for (int i = 0; i < 64; i++) {
        opened += decode(feed(new InetSocketAddress(from.getAddress(), 1000 + i), new RelayMessage.Open(i, B_ID)).get(0))
            instanceof RelayMessage.Incoming ? 1 : 0;
      }
    }
    assertEquals(2 * RelayLimits.defaults().maxCircuitsPerIpPerTarget(), opened, "each requester IP gets its share");
    assertInstanceOf(RelayMessage.Incoming.class, decode(feed(A, new RelayMessage.Open(99, B_ID)).get(0)),
        "another requester still reaches B");
  }

  @Test
  void anIpv6SlashSixtyFourIsOneRequesterForQuotas() {
    relay = server(RelayLimits.defaults().withCircuits(100, 2, 100));
    InetSocketAddress[] sameNet = {
      new InetSocketAddress("2001:db8:1:2::1", 1000), new InetSocketAddress("2001:db8:1:2:ffff::9", 1000),
      new InetSocketAddress("2001:db8:1:2:abcd::1", 2000)};
    feed(sameNet[0], new RelayMessage.Open(1, B_ID));
    feed(sameNet[1], new RelayMessage.Open(2, B_ID));
    assertEquals(new RelayMessage.Refused(3, RelayReason.OVER_QUOTA),
        decode(feed(sameNet[2], new RelayMessage.Open(3, B_ID)).get(0)), "a third address of the same /64");
    assertInstanceOf(RelayMessage.Incoming.class,
        decode(feed(new InetSocketAddress("2001:db8:1:3::1", 1000), new RelayMessage.Open(4, B_ID)).get(0)),
        "the next /64 is another requester");
  }

  @Test
  void tenThousandOpensFromManySourcesKeepMemoryBoundedAndNeverAmplify() {
    long seed = 42;
    System.out.println("RelayServerTest seed " + seed);
    SplittableRandom r = new SplittableRandom(seed);
    RelayLimits limits = RelayLimits.defaults().withCircuits(1000, 3, 2000);
    relay = server(limits);
    Map<InetSocketAddress, Integer> sentTo = new HashMap<>();
    Map<InetSocketAddress, Integer> received = new HashMap<>();
    for (int i = 0; i < 10_000; i++) {
      InetSocketAddress from = addr(100, 64 + r.nextInt(4), r.nextInt(256), r.nextInt(256), 1 + r.nextInt(65535));
      NodeId target = r.nextInt(10) == 0 ? NOBODY : B_ID;
      relay.handleDatagram(from, RelayCodec.encode(new RelayMessage.Open(r.nextLong(), target)), now);
      received.merge(from, RelayCodec.OPEN_SIZE, Integer::sum);
      for (Transmit t : drain()) {
        sentTo.merge(t.to(), t.payload().length, Integer::sum);
      }
      now += r.nextInt(2);
      assertTrue(relay.circuitCount() <= limits.maxCircuits());
      assertTrue(relay.ipStateCount() <= 2 * limits.maxCircuits());
    }
    assertEquals(limits.maxCircuits(), relay.circuitCount());
    RelayServer.Counters k = relay.counters();
    assertTrue(k.overCapacity() > 8000 && k.unknownTarget() > 0, k.toString());
    sentTo.forEach((to, bytes) -> {
      if (!to.equals(B)) {
        assertTrue(bytes <= received.get(to), to + " got " + bytes + " bytes for " + received.get(to));
      }
    });
    now += limits.pendingTimeoutMs() + 1;
    relay.handleTimeout(now);
    for (Transmit t : drain()) {
      sentTo.merge(t.to(), t.payload().length, Integer::sum);
      assertEquals(RelayReason.TARGET_TIMEOUT, ((RelayMessage.Refused) decode(t)).reason());
    }
    sentTo.forEach((to, bytes) -> assertTrue(to.equals(B) || bytes <= received.get(to)));
    assertEquals(0, relay.circuitCount(), "every pending open expired");
    assertEquals(0, relay.ipStateCount(), "and left no per-IP state behind");
    assertEquals(1000, relay.counters().targetTimeouts());
  }

  @Test
  void idleCircuitsCloseBothEndsAndActiveOnesLive() {
    relay = server(RelayLimits.defaults().withTimeouts(3_000, 10_000));
    long c = establish(relay, A, 1);
    for (int i = 0; i < 30; i++) { // 30 s with traffic every second
      now += 1_000;
      relay.handleTimeout(now);
      assertEquals(1, feed(A, data(c, 100)).size());
    }
    now += 10_000;
    relay.handleTimeout(now);
    List<Transmit> out = drain();
    assertEquals(List.of(A, B), out.stream().map(Transmit::to).toList());
    assertEquals(new RelayMessage.Close(c, RelayReason.IDLE), decode(out.get(0)));
    assertEquals(0, relay.circuitCount());
    assertEquals(0, relay.ipStateCount());
    assertEquals(List.of(), feed(A, data(c, 100)));
    assertEquals(1, relay.counters().idleClosed());
  }

  @Test
  void keepalivesFromTheEndsRefreshACircuitAndOthersAreCounted() {
    relay = server(RelayLimits.defaults().withTimeouts(3_000, 10_000));
    long c = establish(relay, A, 1);
    for (int i = 0; i < 10; i++) {
      now += 5_000;
      assertEquals(List.of(), feed(i % 2 == 0 ? A : B, new RelayMessage.Keepalive(c)), "never answered");
      relay.handleTimeout(now);
      assertEquals(List.of(), drain());
    }
    assertEquals(1, relay.establishedCount(), "50 s of keepalives kept it");
    feed(EVE, new RelayMessage.Keepalive(c));
    feed(A, new RelayMessage.Keepalive(c + 1));
    assertEquals(10, relay.counters().keepalives());
    assertEquals(1, relay.counters().wrongSource());
    assertEquals(1, relay.counters().unknownCircuit());
  }

  @Test
  void closeByOneEndReachesTheOther() {
    long c = establish(relay, A, 1);
    List<Transmit> out = feed(B, new RelayMessage.Close(c, RelayReason.IDLE));
    assertEquals(A, out.get(0).to());
    assertEquals(new RelayMessage.Close(c, RelayReason.BY_PEER), decode(out.get(0)));
    assertEquals(0, relay.circuitCount());
    assertEquals(1, relay.counters().closedByEnds());
  }

  @Test
  void aTargetThatMovedIsFollowedThroughItsNewRegistrationOnly() {
    long c = establish(relay, A, 1);
    InetSocketAddress moved = addr(203, 0, 113, 2, 2222);
    assertEquals(List.of(), feed(moved, data(c, 10)), "not registered there yet");
    registered.put(B_ID, moved);
    List<Transmit> out = feed(moved, data(c, 10));
    assertEquals(A, out.get(0).to());
    assertEquals(moved, feed(A, data(c, 10)).get(0).to());
    assertEquals(1, relay.counters().rebinds());
  }

  @Test
  void notServingRefusesOpensButKeepsCircuits() {
    long c = establish(relay, A, 1);
    relay.setServing(false);
    assertEquals(new RelayMessage.Refused(2, RelayReason.NOT_SERVING),
        decode(feed(A, new RelayMessage.Open(2, B_ID)).get(0)));
    assertEquals(1, feed(A, data(c, 10)).size());
  }

  @Test
  void theRelayForwardsTheReceivedArrayItself() {
    long c = establish(relay, A, 1);
    RelayMessage.Data d = data(c, 10);
    assertSame(d.datagram(), feed(A, d).get(0).payload());
  }
}
