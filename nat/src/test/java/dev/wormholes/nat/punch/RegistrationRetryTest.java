package dev.wormholes.nat.punch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.nat.NatBehaviour;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link HolePunch}'s registration, driven alone with a fake clock: an unanswered Register is
 * retried with a doubling delay up to the keepalive interval (bounded, to the rendezvous only,
 * strictly increasing sequence numbers); an answered one keeps the plain keepalive cadence; a
 * Connect retry registers again when the latest Register is unanswered (at most one Register per
 * retry period however many sessions retry), and once per session
 * after {@link HolePunch#STALE_REGISTRATION_RETRIES} retries even when it was answered.
 */
class RegistrationRetryTest {
  static final HolePunch.Config CONFIG = HolePunch.Config.defaults();
  static final NatHint HINT = new NatHint(NatBehaviour.ENDPOINT_INDEPENDENT, NatBehaviour.ADDRESS_AND_PORT_DEPENDENT);
  final InetSocketAddress rendezvous = new InetSocketAddress(ip(203, 0, 113, 10), 3478);
  final InetSocketAddress observed = new InetSocketAddress(ip(198, 51, 100, 1), 4000);
  final Identity self = Identity.generate(new SplittableRandom(1));
  final NodeId target = Identity.generate(new SplittableRandom(2)).id();
  long wall = 1_000_000;
  final HolePunch engine = new HolePunch(CONFIG, self, rendezvous, new SplittableRandom(3), () -> wall);
  final List<Long> registerTimes = new ArrayList<>();
  final List<Long> registerSeqs = new ArrayList<>();
  int connectsSent;

  static InetAddress ip(int a, int b, int c, int d) {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  /** Drain the engine's datagrams at {@code now}; answer Registers if {@code answer}. */
  private void drain(long now, boolean answer) {
    for (var t = engine.pollTransmit(); t.isPresent(); t = engine.pollTransmit()) {
      assertEquals(rendezvous, t.get().to(), "signalling goes to the rendezvous only");
      PunchMessage m = PunchCodec.decode(t.get().payload()).orElseThrow();
      if (m instanceof PunchMessage.Register r) {
        registerTimes.add(now);
        registerSeqs.add(r.seq());
        if (answer) {
          engine.handleDatagram(0, rendezvous, PunchCodec.encode(new PunchMessage.Registered(observed)), now);
        }
      } else if (m instanceof PunchMessage.Connect) {
        connectsSent++;
      }
    }
  }

  /** Fire the engine's timers until {@code until}, answering Registers if {@code answer}. */
  private void runUntil(long until, boolean answer) {
    for (var due = engine.pollTimeout(); due.isPresent() && due.getAsLong() <= until; due = engine.pollTimeout()) {
      long now = due.getAsLong();
      wall = 1_000_000 + now;
      engine.handleTimeout(now);
      drain(now, answer);
    }
  }

  @Test
  void anUnansweredRegisterIsRetriedWithBackoffAndBounded() {
    engine.start(0);
    drain(0, false);
    runUntil(120_000, false);
    // 300 ms doubling (300 .. 9 600), then every 10 s (the keepalive interval).
    assertEquals(List.of(0L, 300L, 900L, 2100L, 4500L, 9300L, 18_900L, 28_900L), registerTimes.subList(0, 8));
    for (int i = 7; i < registerTimes.size(); i++) {
      assertEquals(CONFIG.registerIntervalMs(), registerTimes.get(i) - registerTimes.get(i - 1));
    }
    assertTrue(registerTimes.size() <= 6 + 120_000 / CONFIG.registerIntervalMs() + 1, registerTimes.toString());
    for (int i = 1; i < registerSeqs.size(); i++) {
      assertTrue(registerSeqs.get(i) > registerSeqs.get(i - 1), "every Register has a fresh, higher seq");
    }
  }

  @Test
  void anAnsweredRegisterKeepsThePlainKeepaliveCadence() {
    engine.start(0);
    drain(0, true);
    runUntil(60_000, true);
    assertEquals(List.of(0L, 10_000L, 20_000L, 30_000L, 40_000L, 50_000L, 60_000L), registerTimes);
  }

  @Test
  void retriesStopWhenTheRendezvousAnswersAgain() {
    engine.start(0);
    drain(0, false);
    runUntil(1000, false); // 0, 300, 900 lost
    runUntil(40_000, true); // 2100 answered: keepalives from there
    assertEquals(List.of(0L, 300L, 900L, 2100L, 12_100L, 22_100L, 32_100L), registerTimes);
  }

  @Test
  void aConnectRetryRegistersAgainWhileTheRegisterIsUnanswered() {
    HolePunch e = new HolePunch(new HolePunch.Config(500, 50, 6000, 256, 1024, 32, 25, 2000, 60_000, 16, 5000),
        self, rendezvous, new SplittableRandom(3), () -> wall);
    e.start(0);
    e.connect(target, 0); // sent with the Register: no second Register in the same instant
    List<String> sent = kinds(e);
    assertEquals(List.of("Register", "Connect"), sent);
    e.handleTimeout(500); // the register retry and the connect retry fall together: one Register
    assertEquals(List.of("Register", "Connect"), kinds(e));
    e.handleDatagram(0, rendezvous, PunchCodec.encode(new PunchMessage.Registered(observed)), 520);
    e.handleTimeout(1000); // answered now: the next Connect retry goes alone
    assertEquals(List.of("Connect"), kinds(e));
  }

  @Test
  void aConnectWithAnUnansweredRegistrationRegistersWithIt() {
    engine.start(0);
    drain(0, false);
    runUntil(9_999, false); // 0, 300, 900, 2100, 4500, 9300 unanswered; next retry at 18 900
    int before = registerTimes.size();
    engine.connect(target, 12_000);
    drain(12_000, true);
    assertEquals(before + 1, registerTimes.size());
    assertEquals(12_000L, registerTimes.get(before));
    assertEquals(1, connectsSent);
  }

  @Test
  void anAnsweredRegistrationIsRenewedOncePerSessionAfterThreeConnectRetries() {
    engine.start(0);
    drain(0, true);
    engine.connect(target, 1000);
    drain(1000, true);
    assertEquals(List.of(0L), registerTimes, "registered: the Connect goes alone");
    runUntil(1000 + 6000, true); // no Accept ever: Connect retries every 300 ms until the deadline
    long third = 1000 + HolePunch.STALE_REGISTRATION_RETRIES * CONFIG.connectRetryMs();
    assertEquals(List.of(0L, third), registerTimes.subList(0, 2));
    assertEquals(0, registerTimes.stream().filter(t -> t > third && t < 10_000).count(),
        "once per session");
    assertTrue(connectsSent <= 1 + 6000 / CONFIG.connectRetryMs(), "Connects at the retry pace: " + connectsSent);
  }

  @Test
  void manyRetryingSessionsSendAtMostOneRegisterPerRetryPeriod() {
    engine.start(0);
    drain(0, false);
    SplittableRandom r = new SplittableRandom(9);
    for (int i = 0; i < CONFIG.maxSessions(); i++) { // staggered: every retry falls at another instant
      engine.connect(Identity.generate(r).id(), 1 + 37L * i);
      drain(1 + 37L * i, false);
      runUntil(1 + 37L * (i + 1) - 1, false);
    }
    runUntil(8000, false); // the rendezvous never answers: every session retries until its deadline
    for (int i = 1; i < registerTimes.size(); i++) {
      assertTrue(registerTimes.get(i) - registerTimes.get(i - 1) >= CONFIG.connectRetryMs(), registerTimes.toString());
    }
    assertTrue(registerTimes.size() <= 1 + 8000 / CONFIG.connectRetryMs(), registerTimes.toString());
    assertTrue(registerTimes.size() > 6, "the Connect retries did register again: " + registerTimes);
  }

  private static List<String> kinds(HolePunch e) {
    List<String> out = new ArrayList<>();
    for (var t = e.pollTransmit(); t.isPresent(); t = e.pollTransmit()) {
      out.add(PunchCodec.decode(t.get().payload()).orElseThrow().getClass().getSimpleName());
    }
    return out;
  }
}
