package dev.wormholes.nat.punch;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.nat.NatBehaviour;
import dev.wormholes.nat.Networks;
import dev.wormholes.proto.Identity;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * What one forged punch request makes a rendezvous and a registered target send to third
 * parties, on a virtual clock (issue 12, finding 1). Mallory holds a key of her own and sends
 * datagrams from her address or spoofed ones; everything that reaches an address other than
 * Mallory's, the rendezvous' and the target's counts as sent to a victim. The ratio is bytes at
 * victims / bytes Mallory sent; it must stay at most 1.
 */
class PunchAmplificationTest {
  static final InetSocketAddress RV = ep(198, 51, 100, 1, 3478);
  static final InetSocketAddress TARGET = ep(198, 51, 100, 2, 4000);
  static final InetSocketAddress MALLORY = ep(203, 0, 113, 66, 4000);
  static final InetSocketAddress VICTIM = ep(192, 0, 2, 10, 4000);
  static final NatHint PORT_RESTRICTED = new NatHint(NatBehaviour.ENDPOINT_INDEPENDENT,
      NatBehaviour.ADDRESS_AND_PORT_DEPENDENT);
  static final NatHint SYMMETRIC = new NatHint(NatBehaviour.ADDRESS_AND_PORT_DEPENDENT,
      NatBehaviour.ADDRESS_AND_PORT_DEPENDENT);

  static InetSocketAddress ep(int a, int b, int c, int d, int port) {
    return new InetSocketAddress(Networks.ofBytes(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d}), port);
  }

  record Datagram(InetSocketAddress from, InetSocketAddress to, byte[] bytes) {}

  /** A rendezvous and a port-restricted target, all public, driven on a virtual clock. */
  static final class Rig {
    final Identity targetId = Identity.generate(new SplittableRandom(2));
    final Identity mallory = Identity.generate(new SplittableRandom(66));
    final Rendezvous rv = new Rendezvous(1000, null, java.util.Set.of());
    final HolePunch target = new HolePunch(HolePunch.Config.defaults(), targetId, RV, new SplittableRandom(5), () -> 1_000_000);
    final ArrayDeque<Datagram> wire = new ArrayDeque<>();
    long now;
    long malloryBytes;
    long victimBytes;

    Rig() {
      target.setLocal(List.of(new Candidate(Candidate.Kind.OBSERVED, TARGET)), PORT_RESTRICTED);
      target.start(0);
      flush();
    }

    void fromMallory(InetSocketAddress spoofedFrom, InetSocketAddress to, PunchMessage m) {
      byte[] b = PunchCodec.encode(m);
      malloryBytes += b.length;
      wire.add(new Datagram(spoofedFrom, to, b));
      flush();
    }

    void flush() {
      boolean more = true;
      while (more) {
        more = false;
        for (PunchTransmit t = rv.pollTransmit().orElse(null); t != null; t = rv.pollTransmit().orElse(null)) {
          wire.add(new Datagram(RV, t.to(), t.payload()));
        }
        for (PunchTransmit t = target.pollTransmit().orElse(null); t != null; t = target.pollTransmit().orElse(null)) {
          wire.add(new Datagram(TARGET, t.to(), t.payload()));
        }
        Datagram d;
        while ((d = wire.poll()) != null) {
          more = true;
          if (d.to().equals(RV)) {
            rv.handleDatagram(0, d.from(), d.bytes(), now);
          } else if (d.to().equals(TARGET)) {
            target.handleDatagram(0, d.from(), d.bytes(), now);
          } else if (!d.to().equals(MALLORY)) {
            victimBytes += d.bytes().length;
          }
        }
      }
    }

    void runFor(long ms) {
      long end = now + ms;
      while (now < end) {
        now += 5;
        target.handleTimeout(now);
        flush();
      }
    }

    PunchMessage.Register register(long seq) {
      return new PunchMessage.Register(mallory.publicKey(), seq,
          mallory.sign(PunchCodec.REGISTER_DOMAIN, PunchCodec.registerSigned(mallory.publicKey(), seq)));
    }

    PunchMessage.Probe probe(long session) {
      return new PunchMessage.Probe(session, 7,
          mallory.sign(PunchCodec.PROBE_DOMAIN, PunchCodec.nonceSigned(session, 7)));
    }

    double ratio() {
      return (double) victimBytes / malloryBytes;
    }
  }

  /** Eight candidates on victims' IPs, then signed probes from spoofed victim addresses. */
  @Test
  void candidatesNamingVictimsAmplifyNothing() {
    Rig rig = new Rig();
    rig.fromMallory(MALLORY, RV, rig.register(1));
    List<Candidate> victims = new ArrayList<>();
    for (int i = 0; i < PunchCodec.MAX_CANDIDATES; i++) {
      victims.add(new Candidate(Candidate.Kind.OBSERVED, ep(192, 0, 2, 10 + i, 4000)));
    }
    rig.fromMallory(MALLORY, RV, PunchCodec.connect(rig.mallory, 42, rig.targetId.id(), PORT_RESTRICTED, victims));
    rig.fromMallory(MALLORY, RV, new PunchMessage.Sync(42, rig.targetId.id().toBytes(), 0));
    for (int i = 0; i < 4; i++) {
      rig.fromMallory(ep(192, 0, 2, 50 + i, 4000), TARGET, rig.probe(42));
    }
    rig.runFor(7_000);
    System.out.printf("forged Connect naming victims: %d B sent, %d B at victims (%.2fx)%n",
        rig.malloryBytes, rig.victimBytes, rig.ratio());
    assertTrue(rig.ratio() <= 1.0, "amplification " + rig.ratio());
  }

  /**
   * Register and Connect spoofed from the victim with a symmetric-NAT hint (the port-restricted
   * target would spray birthday probes at the victim's IP), a guessed Sync, then probes.
   */
  @Test
  void aSpoofedConnectWithTheHardHintAmplifiesNothing() {
    Rig rig = new Rig();
    rig.fromMallory(VICTIM, RV, rig.register(1));
    List<Candidate> cs = List.of(new Candidate(Candidate.Kind.OBSERVED, VICTIM),
        new Candidate(Candidate.Kind.MAPPED, ep(192, 0, 2, 10, 5000)));
    rig.fromMallory(VICTIM, RV, PunchCodec.connect(rig.mallory, 43, rig.targetId.id(), SYMMETRIC, cs));
    rig.fromMallory(VICTIM, RV, new PunchMessage.Sync(43, rig.targetId.id().toBytes(), 0));
    rig.fromMallory(VICTIM, TARGET, rig.probe(43));
    rig.runFor(7_000);
    System.out.printf("spoofed Connect with the hard hint: %d B sent, %d B at the victim (%.2fx)%n",
        rig.malloryBytes, rig.victimBytes, rig.ratio());
    assertTrue(rig.ratio() <= 1.0, "amplification " + rig.ratio());
  }
}
