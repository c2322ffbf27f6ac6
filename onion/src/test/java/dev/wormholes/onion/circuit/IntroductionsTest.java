package dev.wormholes.onion.circuit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.onion.cell.RelayMessage;
import dev.wormholes.onion.intro.HiddenService;
import dev.wormholes.onion.intro.IntroConfig;
import dev.wormholes.onion.intro.IntroEvent;
import dev.wormholes.onion.intro.IntroMessages;
import dev.wormholes.onion.intro.IntroRefusal;
import dev.wormholes.onion.intro.Introductions;
import dev.wormholes.onion.stream.CircuitStreams;
import dev.wormholes.onion.stream.StreamEvent;
import dev.wormholes.proto.Identity;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Introductions and rendezvous on real engines in an {@link OnionNet} (fake clock): a service's
 * intro circuit, a client's rendezvous circuit and intro circuit, the service's circuit to the
 * rendezvous point, the splice and streams over the end-to-end layer; replay, rate limits, wrong
 * keys and unknown cookies.
 */
class IntroductionsTest {
  private static final int S = 0;
  private static final int IP = 3;
  private static final int C = 4;
  private static final int RP = 7;

  private OnionNet net;
  private final List<Introductions> intros = new ArrayList<>();
  private final List<CircuitStreams> streams = new ArrayList<>();
  private final Map<Integer, List<IntroEvent>> introEvents = new HashMap<>();
  private final Map<Integer, List<StreamEvent>> streamEvents = new HashMap<>();
  private final Map<Integer, List<OnionEvent.Data>> introduce2 = new HashMap<>();
  private final Map<Integer, Integer> consumedUpTo = new HashMap<>();
  private final SplittableRandom random = new SplittableRandom(17);

  IntroductionsTest() {
    init(IntroConfig.defaults());
  }

  private void init(IntroConfig config) {
    intros.clear();
    streams.clear();
    net = new OnionNet(12, 17, 5, OnionConfig.defaults());
    Map<OnionEngine, Integer> index = new HashMap<>();
    for (int i = 0; i < 12; i++) {
      index.put(net.node(i), i);
      intros.add(new Introductions(net.node(i), config, new SplittableRandom(100 + i)));
      streams.add(new CircuitStreams(net.node(i)));
      introEvents.put(i, new ArrayList<>());
      streamEvents.put(i, new ArrayList<>());
      introduce2.put(i, new ArrayList<>());
    }
    net.listener = (engine, ev) -> {
      int i = index.get(engine);
      if (ev instanceof OnionEvent.Data d) {
        if (d.command() == IntroMessages.INTRODUCE2) {
          introduce2.get(i).add(d);
        }
        if (!intros.get(i).handle(d, net.now)) {
          streams.get(i).handle(d, net.now * 1000);
        }
      } else if (ev instanceof OnionEvent.CircuitClosed c) {
        intros.get(i).circuitGone(c.circuit());
        streams.get(i).circuitGone(c.circuit());
      } else if (ev instanceof OnionEvent.CircuitFailed f) {
        intros.get(i).circuitGone(f.circuit());
      }
      IntroEvent ie;
      while ((ie = intros.get(i).pollEvent()) != null) {
        introEvents.get(i).add(ie);
      }
      StreamEvent se;
      while ((se = streams.get(i).pollEvent()) != null) {
        streamEvents.get(i).add(se);
      }
    };
  }

  private long build(int origin, int... path) {
    long h = net.node(origin).buildCircuit(net.path(path), net.now);
    net.settle();
    assertTrue(net.events(origin).stream().anyMatch(e -> e instanceof OnionEvent.CircuitBuilt b && b.circuit() == h),
        "circuit built");
    return h;
  }

  private byte[] fresh() {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return b;
  }

  private <T extends IntroEvent> List<T> events(int node, Class<T> type) {
    return introEvents.get(node).stream().filter(type::isInstance).map(type::cast).toList();
  }

  private long refused(int node, IntroRefusal r) {
    return intros.get(node).refusals().getOrDefault(r, 0L);
  }

  private HiddenService.IntroKeys establishIntro(int intro, int... via) {
    int[] path = java.util.Arrays.copyOf(via, via.length + 1);
    path[via.length] = intro;
    long h = build(S, path);
    HiddenService.IntroKeys keys = intros.get(S).service.establish(h, via.length, net.id(intro), fresh(), fresh(), net.now);
    net.drainAll();
    net.settle();
    assertTrue(events(S, IntroEvent.IntroEstablished.class).stream().anyMatch(e -> e.circuit() == h));
    return keys;
  }

  private long readyRendezvous() {
    long r = build(C, 5, 6, RP);
    assertTrue(intros.get(C).client.establishRendezvous(r, 2, net.hops.get(RP)));
    net.drainAll();
    net.settle();
    assertTrue(events(C, IntroEvent.RendezvousReady.class).stream().anyMatch(e -> e.circuit() == r));
    return r;
  }

  /** Client introduces on a new circuit through 8, 9 to the intro point; return the ack status or -1. */
  private int introduce(long rendezvous, HiddenService.IntroKeys keys) {
    long in = build(C, 8, 9, IP);
    assertTrue(intros.get(C).client.introduce(in, 2, rendezvous, keys));
    net.drainAll();
    net.settle();
    return events(C, IntroEvent.IntroduceAcked.class).stream().filter(a -> a.introCircuit() == in)
        .mapToInt(IntroEvent.IntroduceAcked::status).findFirst().orElse(-1);
  }

  @Test
  void clientAndServiceMeetAtTheRendezvousPointAndStreamBothWays() {
    HiddenService.IntroKeys keys = establishIntro(IP, 1, 2);
    long r = readyRendezvous();
    assertEquals(IntroMessages.ACK_OK, introduce(r, keys));
    List<IntroEvent.RendezvousWanted> wanted = events(S, IntroEvent.RendezvousWanted.class);
    assertEquals(1, wanted.size());
    assertEquals(net.id(RP), wanted.get(0).rendezvousPoint().node());
    long s = build(S, 10, 11, RP);
    assertTrue(intros.get(S).service.rendezvous(wanted.get(0).request(), s, net.now));
    assertTrue(streams.get(S).serveRendezvous(s));
    net.drainAll();
    net.settle();
    assertTrue(events(C, IntroEvent.Rendezvoused.class).stream().anyMatch(e -> e.circuit() == r && !e.service()));

    int id = streams.get(C).open(r, "echo".getBytes(StandardCharsets.US_ASCII));
    net.drainAll();
    net.settle();
    StreamEvent.Begin begin = streamEvents.get(S).stream().filter(e -> e instanceof StreamEvent.Begin)
        .map(e -> (StreamEvent.Begin) e).findFirst().orElseThrow();
    assertEquals(s, begin.circuit());
    assertArrayEquals("echo".getBytes(StandardCharsets.US_ASCII), begin.target());
    streams.get(S).accept(s, begin.stream());
    net.drainAll();
    net.settle();
    assertTrue(streamEvents.get(C).stream().anyMatch(e -> e instanceof StreamEvent.Connected));

    byte[] up = new byte[200_000];
    byte[] down = new byte[150_000];
    random.nextBytes(up);
    random.nextBytes(down);
    assertEquals(up.length, writeAll(C, r, id, up));
    assertEquals(down.length, writeAll(S, s, begin.stream(), down));
    assertArrayEquals(up, received(S, s));
    assertArrayEquals(down, received(C, r));
    // No relay on either path saw the stream: the rendezvous point only passes cells on.
    assertEquals(0, net.node(RP).stats().refused(Refusal.TAMPERED));
    assertEquals(List.of(), introEvents.get(RP));
  }

  private int writeAll(int node, long circuit, int stream, byte[] data) {
    int off = 0;
    for (int round = 0; off < data.length && round < 1000; round++) {
      int n = streams.get(node).write(circuit, stream, data, off, data.length - off, net.now * 1000);
      off += Math.max(0, n);
      net.drainAll();
      net.settle();
      for (int i : new int[] {S, C}) {
        List<StreamEvent> seen = streamEvents.get(i);
        for (int k = consumedUpTo.getOrDefault(i, 0); k < seen.size(); k++) {
          if (seen.get(k) instanceof StreamEvent.Data d) {
            streams.get(i).consumed(d.circuit(), d.stream(), 1);
          }
        }
        consumedUpTo.put(i, seen.size());
      }
      net.drainAll();
      net.settle();
    }
    return off;
  }

  private byte[] received(int node, long circuit) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (StreamEvent e : streamEvents.get(node)) {
      if (e instanceof StreamEvent.Data d && d.circuit() == circuit) {
        out.writeBytes(d.data());
      }
    }
    return out.toByteArray();
  }

  @Test
  void aReplayedIntroduce2IsRefusedAndOnceTheKeysAreRetiredStillRefused() {
    HiddenService.IntroKeys keys = establishIntro(IP, 1, 2);
    long r = readyRendezvous();
    assertEquals(IntroMessages.ACK_OK, introduce(r, keys));
    assertEquals(1, events(S, IntroEvent.RendezvousWanted.class).size());
    OnionEvent.Data seen = introduce2.get(S).get(0);
    // The intro point (or anyone on its circuit's end) sends the same INTRODUCE2 again.
    assertTrue(intros.get(S).handle(seen, net.now));
    assertEquals(1, refused(S, IntroRefusal.REPLAY));
    assertEquals(1, events(S, IntroEvent.RendezvousWanted.class).size());
    net.now += IntroConfig.defaults().introLifetimeMs();
    assertTrue(intros.get(S).handle(seen, net.now));
    assertEquals(1, refused(S, IntroRefusal.INTRO_EXPIRED));
    assertEquals(1, events(S, IntroEvent.RendezvousWanted.class).size());
    assertEquals(List.of(), intros.get(S).service.established(net.now));
  }

  @Test
  void theIntroPointRateLimitsPerServiceCircuitAndOverall() {
    init(new IntroConfig(256, 1024, 64, 20, 50, 0.5, 2, 1, 3, 20, 40,
        3_600_000, 50_000, 64, 30_000));
    HiddenService.IntroKeys a = establishIntro(IP, 1, 2);
    HiddenService.IntroKeys b = establishIntro(IP, 10, 11);
    long r = readyRendezvous();
    // One-hop client circuits to the intro point, one INTRODUCE1 each.
    List<Integer> statuses = new ArrayList<>();
    for (HiddenService.IntroKeys k : List.of(a, a, a, b, b)) {
      long in = build(C, IP);
      byte[] onionskin = new byte[200];
      random.nextBytes(onionskin);
      net.node(C).send(in, new RelayMessage(IntroMessages.INTRODUCE1, 0, IntroMessages.keyed(k.authKey(), onionskin)));
      net.drainAll();
      net.settle();
      statuses.add(lastAck(in));
    }
    // a: burst 2 then the circuit's limit; b: the overall burst (3) is spent by then.
    assertEquals(List.of(IntroMessages.ACK_OK, IntroMessages.ACK_OK, IntroMessages.ACK_RATE_LIMITED,
        IntroMessages.ACK_OK, IntroMessages.ACK_RATE_LIMITED), statuses);
    assertEquals(1, refused(IP, IntroRefusal.INTRODUCE_RATE_CIRCUIT));
    assertEquals(1, refused(IP, IntroRefusal.INTRODUCE_RATE_TOTAL));
    assertEquals(3, introduce2.get(S).size());
    assertEquals(3, refused(S, IntroRefusal.HANDSHAKE_FAILED)); // random onionskins
    net.now += 2_000;
    long in = build(C, IP);
    net.node(C).send(in, new RelayMessage(IntroMessages.INTRODUCE1, 0, IntroMessages.keyed(a.authKey(), new byte[200])));
    net.drainAll();
    net.settle();
    assertEquals(IntroMessages.ACK_OK, lastAck(in));
    // A second INTRODUCE1 on one client circuit (sent before the first ack) closes it.
    long twice = build(C, IP);
    for (int k = 0; k < 2; k++) {
      net.node(C).send(twice, new RelayMessage(IntroMessages.INTRODUCE1, 0, IntroMessages.keyed(a.authKey(), new byte[200])));
    }
    net.drainAll();
    net.settle();
    assertEquals(1, refused(IP, IntroRefusal.SECOND_INTRODUCE));
    assertTrue(net.events(C).stream().anyMatch(e -> e instanceof OnionEvent.CircuitClosed c && c.circuit() == twice));
    assertNotNull(Long.valueOf(r));
  }

  private int lastAck(long circuit) {
    int status = -1;
    for (OnionEvent e : net.events(C)) {
      if (e instanceof OnionEvent.Data d && d.circuit() == circuit && d.command() == IntroMessages.INTRODUCE_ACK) {
        status = d.data()[0];
      }
    }
    return status;
  }

  @Test
  void wrongAuthKeysAreRefused() {
    HiddenService.IntroKeys keys = establishIntro(IP, 1, 2);
    // ESTABLISH_INTRO signed for another intro point: refused, circuit closed.
    long h = build(S, 10, 11, IP);
    Identity auth = Identity.fromSeed(fresh());
    net.node(S).send(h, new RelayMessage(IntroMessages.ESTABLISH_INTRO, 0,
        IntroMessages.establishIntro(auth, net.id(RP).toBytes())));
    net.drainAll();
    net.settle();
    assertEquals(1, refused(IP, IntroRefusal.BAD_SIGNATURE));
    assertTrue(net.events(S).stream().anyMatch(e -> e instanceof OnionEvent.CircuitClosed c && c.circuit() == h));
    // INTRODUCE1 naming an auth key nobody established: answered, nothing reaches the service.
    long r = readyRendezvous();
    HiddenService.IntroKeys unknown = new HiddenService.IntroKeys(keys.introPoint(), auth.publicKey(), keys.encryptionKey());
    assertEquals(IntroMessages.ACK_UNKNOWN_SERVICE, introduce(r, unknown));
    assertEquals(1, refused(IP, IntroRefusal.UNKNOWN_AUTH_KEY));
    // The right auth key with the wrong encryption key: passed on, the service's handshake fails.
    HiddenService.IntroKeys wrongEnc = new HiddenService.IntroKeys(keys.introPoint(), keys.authKey(),
        dev.wormholes.onion.handshake.NtorV3.publicKey(fresh()));
    long r2 = readyRendezvous();
    assertEquals(IntroMessages.ACK_OK, introduce(r2, wrongEnc));
    assertEquals(1, refused(S, IntroRefusal.HANDSHAKE_FAILED));
    assertEquals(List.of(), events(S, IntroEvent.RendezvousWanted.class));
    assertEquals(List.of(), events(C, IntroEvent.Rendezvoused.class));
  }

  @Test
  void anUnknownCookieClosesTheCircuitAndSplicesNothing() {
    long r = readyRendezvous();
    long s = build(S, 10, 11, RP);
    byte[] cookie = new byte[IntroMessages.COOKIE_BYTES];
    random.nextBytes(cookie);
    net.node(S).send(s, new RelayMessage(IntroMessages.RENDEZVOUS1, 0, IntroMessages.cookied(cookie, new byte[96])));
    net.drainAll();
    net.settle();
    assertEquals(1, refused(RP, IntroRefusal.UNKNOWN_COOKIE));
    assertTrue(net.events(S).stream().anyMatch(e -> e instanceof OnionEvent.CircuitClosed c && c.circuit() == s));
    assertFalse(net.events(C).stream().anyMatch(e -> e instanceof OnionEvent.CircuitClosed c && c.circuit() == r));
    assertEquals(1, intros.get(RP).relayState()[1]); // the client's cookie still held
    assertNull(events(C, IntroEvent.Rendezvoused.class).stream().findFirst().orElse(null));
  }

  @Test
  void oneNeighboursCircuitsHoldAtMostTheirShareOfCookies() {
    init(new IntroConfig(256, 1024, 3, 20, 50, 5, 25, 50, 200, 20, 40, 3_600_000, 50_000, 64, 30_000));
    // Four rendezvous circuits reaching RP through 6: three cookies held, the fourth refused.
    List<Long> via6 = new ArrayList<>();
    for (int k = 0; k < 4; k++) {
      long r = build(C, 5, 6, RP);
      assertTrue(intros.get(C).client.establishRendezvous(r, 2, net.hops.get(RP)));
      net.drainAll();
      net.settle();
      via6.add(r);
    }
    List<Long> ready = events(C, IntroEvent.RendezvousReady.class).stream().map(IntroEvent.RendezvousReady::circuit).toList();
    assertEquals(via6.subList(0, 3), ready);
    assertEquals(1, refused(RP, IntroRefusal.COOKIES_PER_NEIGHBOUR));
    assertTrue(net.events(C).stream().anyMatch(e -> e instanceof OnionEvent.CircuitClosed c && c.circuit() == via6.get(3)));
    assertEquals(3, intros.get(RP).relayState()[1]);
    // Another neighbour's circuit still gets one, and a closed circuit gives its neighbour one back.
    long via9 = build(C, 5, 9, RP);
    assertTrue(intros.get(C).client.establishRendezvous(via9, 2, net.hops.get(RP)));
    net.node(C).close(via6.get(0));
    net.drainAll();
    net.settle();
    long again = build(C, 5, 6, RP);
    assertTrue(intros.get(C).client.establishRendezvous(again, 2, net.hops.get(RP)));
    net.drainAll();
    net.settle();
    assertTrue(events(C, IntroEvent.RendezvousReady.class).stream().anyMatch(e -> e.circuit() == via9));
    assertTrue(events(C, IntroEvent.RendezvousReady.class).stream().anyMatch(e -> e.circuit() == again));
    assertEquals(1, refused(RP, IntroRefusal.COOKIES_PER_NEIGHBOUR));
    assertEquals(4, intros.get(RP).relayState()[1]);
  }

  /** Run the whole protocol; return the client's and the service's spliced circuits. */
  private long[] rendezvoused() {
    HiddenService.IntroKeys keys = establishIntro(IP, 1, 2);
    long r = readyRendezvous();
    assertEquals(IntroMessages.ACK_OK, introduce(r, keys));
    long s = build(S, 10, 11, RP);
    assertTrue(intros.get(S).service.rendezvous(events(S, IntroEvent.RendezvousWanted.class).get(0).request(), s, net.now));
    net.drainAll();
    net.settle();
    return new long[] {r, s};
  }

  @Test
  void aBitFlippedAfterTheRendezvousPointEndsBothCircuitsAndDeliversNothing() {
    long[] rs = rendezvoused();
    long r = rs[0];
    long s = rs[1];
    long before = net.events(S).stream().filter(e -> e instanceof OnionEvent.Data).count();
    boolean[] flipped = {false};
    net.tap = (from, to, cell) -> {
      if (!flipped[0] && from.equals(net.id(RP)) && to.equals(net.id(11))) {
        flipped[0] = true;
        byte[] c = cell.clone();
        c[100] ^= 1;
        return c;
      }
      return cell;
    };
    for (int k = 0; k < 3; k++) {
      net.node(C).send(r, new RelayMessage(OnionEngine.RELAY_DATA, 0, new byte[] {(byte) k}));
    }
    net.drainAll();
    net.settle();
    assertTrue(flipped[0]);
    assertEquals(before, net.events(S).stream().filter(e -> e instanceof OnionEvent.Data).count());
    assertTrue(net.events(S).stream().anyMatch(e -> e instanceof OnionEvent.CircuitClosed c && c.circuit() == s));
    assertTrue(net.events(C).stream().anyMatch(e -> e instanceof OnionEvent.CircuitClosed c && c.circuit() == r));
    assertEquals(0, net.node(RP).stats().circuits());
  }

  @Test
  void aSplicedCircuitEndsWhenEitherSideEnds() {
    long[] rs = rendezvoused();
    long r = rs[0];
    long s = rs[1];
    assertTrue(events(C, IntroEvent.Rendezvoused.class).stream().anyMatch(e -> e.circuit() == r));
    net.node(S).close(s);
    net.drainAll();
    net.settle();
    assertTrue(net.events(C).stream().anyMatch(e -> e instanceof OnionEvent.CircuitClosed c && c.circuit() == r));
    assertEquals(0, net.node(RP).stats().circuits());
  }
}
