package dev.wormholes.onion.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.wormholes.onion.Hex;
import java.util.Random;
import org.bouncycastle.crypto.modes.gcm.GCMUtil;
import org.junit.jupiter.api.Test;

/**
 * POLYVAL against RFC 8452's published values and, for random keys and messages, against the
 * GHASH route of RFC 8452 Appendix A computed with Bouncy Castle's GHASH multiplication.
 */
class PolyvalTest {

  @Test
  void appendixAWorkedExample() {
    // RFC 8452 Appendix A: POLYVAL(H, X_1, X_2).
    byte[] h = Hex.bytes("25629347589242761d31f826ba4b757b");
    byte[] x = Hex.bytes("4f4f95668c83dfb6401762bb2d01a262 d1a24ddd2721d006bbe45f20d3c9f362");
    assertEquals("f7a3b47b846119fae5b7866cf5e5b77e", Hex.of(both(h, x)));
  }

  @Test
  void section4HelloWorldExample() {
    // RFC 8452 section 4 / Appendix C.1 example: AAD "example", plaintext "Hello world", lengths.
    byte[] h = Hex.bytes("310728d9911f1f3837b24316c3fab9a0");
    byte[] x = Hex.bytes("6578616d706c65000000000000000000 48656c6c6f20776f726c640000000000"
        + "38000000000000005800000000000000");
    assertEquals("ad7fcf0b5169851662672f3c5f95138f", Hex.of(both(h, x)));
  }

  @Test
  void appendixC1TwelveBytePlaintext() {
    // RFC 8452 Appendix C.1, the AEAD_AES_128_GCM_SIV vector with a 12-byte plaintext 01 00...
    byte[] h = Hex.bytes("d9b360279694941ac5dbc6987ada7377");
    byte[] x = Hex.bytes("01000000000000000000000000000000 00000000000000006000000000000000");
    assertEquals("48eb6c6c5a2dbe4a1dde508fee06361b", Hex.of(both(h, x)));
  }

  @Test
  void matchesGhashRouteForRandomInputs() {
    qt().withExamples(300).forAll(arbitrary().pick(new long[] {1}), integers().between(0, 40),
        integers().all())
        .checkAssert((unused, blocks, seed) -> {
          Random r = new Random(seed);
          byte[] h = new byte[16];
          byte[] x = new byte[Math.max(0, 16 * blocks - r.nextInt(16))];
          r.nextBytes(h);
          r.nextBytes(x);
          assertEquals(Hex.of(viaGhash(h, x)), Hex.of(both(h, x)), "seed " + seed);
        });
  }

  @Test
  void ghashIntrinsicRouteIsAvailableInTheBuild() {
    // The onion pom opens com.sun.crypto.provider to the tests, as a node's launcher should.
    assertTrue(Polyval.intrinsic());
  }

  @Test
  void reinitAndResetStartOver() {
    byte[] h = Hex.bytes("25629347589242761d31f826ba4b757b");
    byte[] x = Hex.bytes("4f4f95668c83dfb6401762bb2d01a262 d1a24ddd2721d006bbe45f20d3c9f362");
    for (boolean viaGhash : routes()) {
      Polyval p = new Polyval(new byte[16], 0, viaGhash);
      p.updatePadded(x, 0, 32);
      p.init(h, 0);
      p.updatePadded(x, 0, 32);
      byte[] out = new byte[16];
      p.digest(out, 0);
      assertEquals("f7a3b47b846119fae5b7866cf5e5b77e", Hex.of(out));
      p.reset();
      p.updateBlock(x, 0);
      p.updateBlock(x, 16);
      p.digest(out, 0);
      assertEquals("f7a3b47b846119fae5b7866cf5e5b77e", Hex.of(out));
    }
  }

  // POLYVAL(h, x) on every available route; fail unless they agree.
  private static byte[] both(byte[] h, byte[] x) {
    byte[] first = null;
    for (boolean viaGhash : routes()) {
      Polyval p = new Polyval(h, 0, viaGhash);
      p.updatePadded(x, 0, x.length);
      byte[] out = new byte[16];
      p.digest(out, 0);
      if (first != null) {
        assertEquals(Hex.of(first), Hex.of(out), "GHASH route vs portable route");
      }
      first = out;
    }
    return first;
  }

  private static boolean[] routes() {
    return Polyval.intrinsic() ? new boolean[] {false, true} : new boolean[] {false};
  }

  // RFC 8452 Appendix A: POLYVAL(H, X...) = ByteReverse(GHASH(mulX_GHASH(ByteReverse(H)),
  // ByteReverse(X_1), ...)).
  private static byte[] viaGhash(byte[] h, byte[] unpadded) {
    byte[] x = java.util.Arrays.copyOf(unpadded, (unpadded.length + 15) / 16 * 16);
    byte[] gh = mulXGhash(reverse(h, 0));
    byte[] y = new byte[16];
    for (int i = 0; i < x.length; i += 16) {
      byte[] xi = reverse(x, i);
      for (int j = 0; j < 16; j++) {
        y[j] ^= xi[j];
      }
      GCMUtil.multiply(y, gh);
    }
    return reverse(y, 0);
  }

  private static byte[] reverse(byte[] b, int off) {
    byte[] r = new byte[16];
    for (int i = 0; i < 16; i++) {
      r[i] = b[off + 15 - i];
    }
    return r;
  }

  // Multiply by x in GHASH's reflected bit order: shift right one bit, reduce with 0xE1.
  private static byte[] mulXGhash(byte[] v) {
    byte[] r = new byte[16];
    int carry = 0;
    for (int i = 0; i < 16; i++) {
      int b = v[i] & 0xff;
      r[i] = (byte) ((b >>> 1) | (carry << 7));
      carry = b & 1;
    }
    if (carry != 0) {
      r[0] ^= (byte) 0xE1;
    }
    return r;
  }
}
