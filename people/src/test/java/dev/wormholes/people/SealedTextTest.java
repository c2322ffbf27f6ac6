package dev.wormholes.people;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.Identity;
import java.util.Optional;
import java.util.Random;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.junit.jupiter.api.Test;

/** Sealed messages: the X25519 form of persona keys, the armoured form, who may seal and open. */
class SealedTextTest {

  @Test
  void theX25519FormOfAnEd25519PublicKeyIsThePublicKeyOfItsSeedsX25519Form() {
    Random r = new Random(7);
    for (int i = 0; i < 200; i++) {
      Identity id = Identity.generate(r);
      byte[] expected = new byte[X25519.POINT_SIZE];
      X25519.generatePublicKey(SealedText.x25519Private(id.seed()), 0, expected, 0);
      assertArrayEquals(expected, SealedText.x25519Public(id.publicKey()).orElseThrow());
    }
    assertTrue(SealedText.x25519Public(new byte[31]).isEmpty());
    byte[] one = new byte[32];
    one[0] = 1; // y = 1: the neutral point
    assertTrue(SealedText.x25519Public(one).isEmpty());
    byte[] big = new byte[32];
    java.util.Arrays.fill(big, (byte) 0xff);
    big[31] = 0x7f; // y = 2^255 - 1 >= p
    assertTrue(SealedText.x25519Public(big).isEmpty());
  }

  @Test
  void armourRoundTripsAndGarbageIsTyped() {
    TestPersona bob = new TestPersona(31);
    byte[] key = bob.state().signingKey();
    String armored = "Hi Bob,\n\n" + SealedText.armor(bob.state().persona(), key, new byte[] {1, 2, 3}) + "\nAlice";
    SealedText.Parsed.Sealed s = assertInstanceOf(SealedText.Parsed.Sealed.class, SealedText.parse(armored));
    assertEquals(bob.state().persona(), s.persona());
    assertArrayEquals(key, s.signingKey());
    assertArrayEquals(new byte[] {1, 2, 3}, s.sealed());
    assertEquals(new SealedText.Parsed.Invalid(SealedText.Failure.NOT_ARMORED), SealedText.parse("hello"));
    assertEquals(new SealedText.Parsed.Invalid(SealedText.Failure.MALFORMED),
        SealedText.parse(Armor.encode(SealedText.LABEL, new byte[] {(byte) 0xff, 1})));
    assertEquals(new SealedText.Parsed.Invalid(SealedText.Failure.MALFORMED),
        SealedText.parse(SealedText.armor(bob.state().persona(), new byte[5], new byte[] {1})));
    assertEquals(new SealedText.Parsed.Invalid(SealedText.Failure.TOO_LARGE),
        SealedText.parse("x".repeat(SealedText.MAX_ARMORED + 1)));
  }

  @Test
  void onlyTheCurrentKeyOfTheNamedPersonaOpensAndAnAbandonedPersonaGetsNothing() {
    TestPersona bob = new TestPersona(32);
    TestPersona carol = new TestPersona(33);
    byte[] before = bob.state().signingKey();
    SealedText.Parsed.Sealed toOld = new SealedText.Parsed.Sealed(bob.state().persona(), before, new byte[1]);
    assertEquals(Optional.empty(), SealedText.refusalToOpen(toOld, bob.log, before));
    assertEquals(Optional.of(SealedText.Refusal.NOT_FOR_YOU), SealedText.refusalToOpen(toOld, carol.log, before));
    bob.rotate();
    byte[] after = bob.state().signingKey();
    assertEquals(Optional.of(SealedText.Refusal.OLD_KEY), SealedText.refusalToOpen(toOld, bob.log, after));
    SealedText.Parsed.Sealed toNew = new SealedText.Parsed.Sealed(bob.state().persona(), after, new byte[1]);
    assertEquals(Optional.of(SealedText.Refusal.KEY_NOT_HERE), SealedText.refusalToOpen(toNew, bob.log, before));
    assertEquals(Optional.empty(), SealedText.refusalToSeal(bob.log));
    bob.append(Events.abandon(bob.state(), bob.signer, false));
    assertEquals(Optional.of(SealedText.Refusal.ABANDONED), SealedText.refusalToSeal(bob.log));
    assertEquals(Optional.of(SealedText.Refusal.ABANDONED), SealedText.refusalToOpen(toNew, bob.log, after));
  }
}
