package dev.wormholes.nat.punch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.nat.Networks;
import dev.wormholes.proto.Identity;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Registrations cost a proven key and are bounded per IP and per /24; live ones cannot be flushed,
 * and an evicted node's old Register cannot be replayed (issue 12, findings 5 and 6). Fake clock.
 */
class RendezvousRegistrationTest {
  static InetSocketAddress ep(int a, int b, int c, int d, int port) {
    return new InetSocketAddress(Networks.ofBytes(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d}), port);
  }

  static byte[] register(Identity id, long seq) {
    return PunchCodec.encode(new PunchMessage.Register(id.publicKey(), seq,
        id.sign(PunchCodec.REGISTER_DOMAIN, PunchCodec.registerSigned(id.publicKey(), seq))));
  }

  static void drain(Rendezvous rv) {
    while (rv.pollTransmit().isPresent()) {
      // answers are not under test here
    }
  }

  @Test
  void freshKeysFromOneNetworkCannotFlushLiveRegistrations() {
    Rendezvous rv = new Rendezvous(100, null, Set.of());
    SplittableRandom r = new SplittableRandom(1);
    Identity[] honest = new Identity[50];
    for (int i = 0; i < honest.length; i++) {
      honest[i] = Identity.generate(r);
      rv.handleDatagram(0, ep(198, 51, i, 1, 4000), register(honest[i], 1), 0);
    }
    // Mallory rotates keys (free) and addresses of her /24 (also cheap) for a whole minute.
    for (int i = 0; i < 2000; i++) {
      rv.handleDatagram(0, ep(203, 0, 113, i % 250, 1000 + i), register(Identity.generate(r), 1), 10 + i * 25);
    }
    drain(rv);
    for (Identity h : honest) {
      assertTrue(rv.registered(h.id()).isPresent(), "a live registration stays");
    }
    assertTrue(rv.registrationCount() <= 100);
    assertTrue(rv.counters().full() > 0);
  }

  @Test
  void oneIpHoldsAtMostItsShare() {
    Rendezvous rv = new Rendezvous(1000, null, Set.of());
    SplittableRandom r = new SplittableRandom(2);
    for (int i = 0; i < 100; i++) {
      rv.handleDatagram(0, ep(203, 0, 113, 9, 1000 + i), register(Identity.generate(r), 1), i);
    }
    assertEquals(Rendezvous.Limits.defaults().perIp(), rv.registrationCount());
  }

  @Test
  void anEvictedNodesOldRegisterCannotBeReplayed() {
    Rendezvous rv = new Rendezvous(2, null, Set.of());
    SplittableRandom r = new SplittableRandom(3);
    Identity alice = Identity.generate(r);
    InetSocketAddress aliceAt = ep(198, 51, 100, 7, 4000);
    byte[] old = register(alice, 5);
    rv.handleDatagram(0, aliceAt, old, 0);
    long stale = Rendezvous.Limits.defaults().staleMs() + 1;
    rv.handleDatagram(0, ep(198, 51, 101, 1, 4000), register(Identity.generate(r), 1), stale);
    rv.handleDatagram(0, ep(198, 51, 102, 1, 4000), register(Identity.generate(r), 1), stale);
    assertEquals(Optional.empty(), rv.registered(alice.id()), "Alice, silent for a minute, was evicted");
    InetSocketAddress mallory = ep(203, 0, 113, 66, 4000);
    rv.handleDatagram(0, mallory, old, 2 * stale + 10);
    assertEquals(Optional.empty(), rv.registered(alice.id()), "her old Register does not bring her back at Mallory's");
    assertEquals(1, rv.counters().replayedRegister());
    rv.handleDatagram(0, aliceAt, register(alice, 6), 2 * stale + 20);
    assertEquals(Optional.of(aliceAt), rv.registered(alice.id()), "Alice herself registers again");
  }
}
