package dev.wormholes.node.whisper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The signed whisper: round trip, every single-byte change refused, hostile bytes a typed failure. */
class WhisperMessageTest {
  static final Identity ALICE = Identity.fromSeed(new byte[32]);
  static final NodeId BOB = Identity.fromSeed(filled(7)).id();

  static byte[] filled(int b) {
    byte[] x = new byte[32];
    Arrays.fill(x, (byte) b);
    return x;
  }

  @Test
  void aSignedWhisperDecodesToTheSameFields() {
    WhisperMessage m = WhisperMessage.sign(ALICE, BOB, 7, 1_800_000_000_000L, "see you at eight ✓");
    WhisperMessage.Ok ok = assertInstanceOf(WhisperMessage.Ok.class, WhisperMessage.decode(m.encoded()));
    assertEquals(ALICE.id(), ok.message().sender());
    assertEquals(BOB, ok.message().recipient());
    assertEquals(7, ok.message().seq());
    assertEquals(1_800_000_000_000L, ok.message().sentAtMs());
    assertEquals("see you at eight ✓", ok.message().text());
    assertEquals(m.id(), ok.message().id());
    assertNotEquals(m.id(), WhisperMessage.sign(ALICE, BOB, 8, 1_800_000_000_000L, "see you at eight ✓").id());
  }

  @Test
  void emptyAndOversizedTextCannotBeSigned() {
    assertThrows(IllegalArgumentException.class, () -> WhisperMessage.sign(ALICE, BOB, 1, 0, ""));
    assertThrows(IllegalArgumentException.class, () -> WhisperMessage.sign(ALICE, BOB, 1, 0, "x".repeat(1025)));
    WhisperMessage.sign(ALICE, BOB, 1, 0, "x".repeat(1024));
  }

  @Test
  void everySingleByteChangeIsRefused() {
    byte[] good = WhisperMessage.sign(ALICE, BOB, 3, 42, "hello").encoded();
    qt().forAll(integers().between(0, good.length - 1), integers().between(1, 255)).checkAssert((i, x) -> {
      byte[] bad = good.clone();
      bad[i] ^= x.byteValue();
      assertInstanceOf(WhisperMessage.Bad.class, WhisperMessage.decode(bad));
    });
    assertEquals(new WhisperMessage.Bad(WhisperMessage.Failure.MALFORMED),
        WhisperMessage.decode(Arrays.copyOf(good, good.length - 1)));
    assertEquals(new WhisperMessage.Bad(WhisperMessage.Failure.MALFORMED), WhisperMessage.decode(new byte[0]));
  }

  @Test
  void randomBytesAreATypedFailureNeverAnException() {
    Random r = new Random(18);
    System.out.println("seed 18");
    for (int i = 0; i < 5000; i++) {
      byte[] b = new byte[r.nextInt(WhisperMessage.MAX_BYTES + 40)];
      r.nextBytes(b);
      if (b.length > 0 && r.nextBoolean()) {
        b[0] = WhisperMessage.VERSION;
      }
      assertInstanceOf(WhisperMessage.Bad.class, WhisperMessage.decode(b));
    }
  }
}
