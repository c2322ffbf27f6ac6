package dev.wormholes.nat.punch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.nat.NatBehaviour;
import dev.wormholes.proto.Identity;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A spoofer who sends Connects from an honest initiator's registered address, in its name but
 * without its key, spends none of its budgets (issue 12): the rendezvous charges the initiator's
 * and its network's Connect budgets only once the signature holds, so the initiator's own Connect
 * to the same target is still forwarded. Fake clock.
 */
class RendezvousSpoofedConnectTest {
  @Test
  void connectsWithABadSignatureSpendNoBudget() {
    Rendezvous rv = new Rendezvous(100, null, Set.of());
    SplittableRandom r = new SplittableRandom(5);
    Identity alice = Identity.generate(r);
    Identity bob = Identity.generate(r);
    Identity mallory = Identity.generate(r);
    InetSocketAddress aliceAt = RendezvousRegistrationTest.ep(198, 51, 100, 1, 4000);
    InetSocketAddress bobAt = RendezvousRegistrationTest.ep(203, 0, 113, 2, 4000);
    rv.handleDatagram(0, aliceAt, RendezvousRegistrationTest.register(alice, 1), 0);
    rv.handleDatagram(0, bobAt, RendezvousRegistrationTest.register(bob, 1), 0);
    RendezvousRegistrationTest.drain(rv);
    NatHint hint = new NatHint(NatBehaviour.NONE, NatBehaviour.ENDPOINT_INDEPENDENT);
    // 100 Connects in Alice's name from her address (spoofed), signed by Mallory's key, at once.
    for (int i = 0; i < 100; i++) {
      PunchMessage.Connect forged = PunchCodec.connect(mallory, 1_000 + i, bob.id(), hint, List.of());
      rv.handleDatagram(0, aliceAt, PunchCodec.encode(new PunchMessage.Connect(forged.session(), alice.publicKey(),
          forged.targetId(), hint, List.of(), forged.signature(), null)), 10);
    }
    assertEquals(Optional.empty(), rv.pollTransmit(), "nothing forged is forwarded");
    assertEquals(100, rv.counters().badSignature());
    // Alice's own Connect, in the same millisecond, still goes through to Bob.
    rv.handleDatagram(0, aliceAt, PunchCodec.encode(PunchCodec.connect(alice, 7, bob.id(), hint, List.of())), 10);
    Optional<PunchTransmit> t = rv.pollTransmit();
    assertTrue(t.isPresent() && t.get().to().equals(bobAt), "Alice's Connect reaches Bob: " + rv.counters());
    assertEquals(0, rv.counters().overRate());
  }
}
