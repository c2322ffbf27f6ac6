package dev.wormholes.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.wire.KeyProof;
import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Key proofs verify only for the key's own id, challenge, requester and network; the id work factor and grinding an identity to it. */
class KeyProofsTest {
  private static final Identity PROVER = WireFixtures.OWNER;
  private static final NodeId REQUESTER = WireFixtures.NODE.id();
  private static final ByteString CHALLENGE = WireFixtures.CHALLENGE;

  @Test
  void aProofVerifiesForItsOwnChallengeRequesterAndNetworkOnly() {
    KeyProof proof = KeyProofs.prove(PROVER, 7, CHALLENGE, REQUESTER);
    assertTrue(KeyProofs.verify(proof, PROVER.id(), 7, CHALLENGE, REQUESTER));
    assertFalse(KeyProofs.verify(proof, PROVER.id(), 8, CHALLENGE, REQUESTER), "another network");
    assertFalse(KeyProofs.verify(proof, PROVER.id(), 7, ByteString.copyFrom(new byte[16]), REQUESTER),
        "another challenge (a replay)");
    assertFalse(KeyProofs.verify(proof, PROVER.id(), 7, CHALLENGE, PROVER.id()), "relayed to another requester");
    assertFalse(KeyProofs.verify(proof, REQUESTER, 7, CHALLENGE, REQUESTER), "a claimed id the key does not hash to");
    assertFalse(KeyProofs.verify(proof, PROVER.id(), 7, ByteString.copyFrom(new byte[15]), REQUESTER), "short challenge");
    KeyProof forged = proof.toBuilder().setSignature(ByteString.copyFrom(new byte[64])).build();
    assertFalse(KeyProofs.verify(forged, PROVER.id(), 7, CHALLENGE, REQUESTER));
    KeyProof shortKey = proof.toBuilder().setPublicKey(ByteString.copyFrom(new byte[3])).build();
    assertFalse(KeyProofs.verify(shortKey, PROVER.id(), 7, CHALLENGE, REQUESTER));
    assertFalse(KeyProofs.verify(null, PROVER.id(), 7, CHALLENGE, REQUESTER));
  }

  @Test
  void workCountsLeadingZeroBitsOfTheIdsHash() {
    SplittableRandom r = new SplittableRandom(42);
    for (int i = 0; i < 2000; i++) {
      NodeId id = NodeId.ofWords(r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong());
      BigInteger h = new BigInteger(1, Identity.sha256(id.toBytes()));
      int expected = 256 - h.bitLength();
      assertEquals(expected, KeyProofs.work(id));
      assertTrue(KeyProofs.meetsWork(id, expected));
      assertFalse(KeyProofs.meetsWork(id, expected + 1));
      assertTrue(KeyProofs.meetsWork(id, 0));
    }
  }

  @Test
  void grindDrawsKeyPairsUntilOneMeetsTheWork() {
    long[] tries = new long[1];
    Identity id = KeyProofs.grind(new SplittableRandom(43), 6, tries);
    assertTrue(KeyProofs.meetsWork(id.id(), 6));
    // Every key pair drawn before it lacked the work: the same draws, replayed.
    SplittableRandom replay = new SplittableRandom(43);
    for (long i = 1; i < tries[0]; i++) assertFalse(KeyProofs.meetsWork(Identity.generate(replay).id(), 6));
    assertEquals(id.id(), Identity.generate(replay).id());
  }
}
