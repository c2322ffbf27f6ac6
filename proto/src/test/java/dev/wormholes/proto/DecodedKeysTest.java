package dev.wormholes.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import com.google.common.io.BaseEncoding;
import java.math.BigInteger;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.junit.jupiter.api.Test;

/**
 * {@link DecodedKeys} and {@link Identity#verify} through it: a key is decoded once, the cache is
 * bounded, and every verdict is the one Bouncy Castle's verification from the key bytes gives
 * (refused small-order and non-canonical keys stay refused, mixed-order keys are treated as before).
 */
class DecodedKeysTest {
  private static final byte[] NO_DOMAIN = new byte[0];
  private static final BaseEncoding HEX = BaseEncoding.base16().lowerCase();
  private static final BigInteger P = BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));

  @Test
  void aKeyIsDecodedOnceAndItsPointVerifies() {
    DecodedKeys keys = new DecodedKeys(8);
    Identity id = Identity.fromSeed(new byte[32]);
    byte[] msg = {1, 2, 3};
    byte[] sig = id.sign(NO_DOMAIN, msg);
    Ed25519.PublicPoint first = keys.decode(id.publicKey());
    Ed25519.PublicPoint second = keys.decode(id.publicKey());
    assertNotNull(first);
    assertSame(first, second);
    assertEquals(1, keys.misses());
    assertEquals(1, keys.hits());
    assertTrue(Ed25519.verify(sig, 0, second, msg, 0, msg.length));
  }

  /** Each key the verification from bytes refuses is refused by the cache, every time, and not kept. */
  @Test
  void refusedKeysAreRefusedEveryTimeAndNotRemembered() {
    DecodedKeys keys = new DecodedKeys(8);
    String[] refused = Stream.concat(Stream.of(Rfc8032VectorsTest.SMALL_ORDER_POINTS),
        Stream.of(Rfc8032VectorsTest.NON_CANONICAL_KEYS)).toArray(String[]::new);
    for (String hex : refused) {
      byte[] key = HEX.decode(hex);
      byte[] forged = new byte[64]; // R = the key itself, S = 0: meets the equation for a small-order key
      System.arraycopy(key, 0, forged, 0, 32);
      for (int round = 0; round < 2; round++) {
        assertNull(keys.decode(key), hex);
        for (int m = 0; m < 8; m++) {
          byte[] msg = {(byte) m};
          assertFalse(reference(key, msg, forged), "bytes: " + hex);
          assertFalse(Identity.verify(key, NO_DOMAIN, msg, forged), "cached: " + hex);
        }
      }
    }
    assertEquals(0, keys.size());
    assertEquals(0, keys.hits());
  }

  @Test
  void leastRecentlyUsedKeyLeavesFirst() {
    DecodedKeys keys = new DecodedKeys(2);
    byte[] a = key(1);
    byte[] b = key(2);
    byte[] c = key(3);
    keys.decode(a);
    keys.decode(b);
    keys.decode(a); // hit: b is now the least recently used
    keys.decode(c);
    assertEquals(2, keys.size());
    assertEquals(1, keys.hits());
    keys.decode(a);
    assertEquals(2, keys.hits());
    keys.decode(b);
    assertEquals(2, keys.hits(), "b was evicted");
  }

  /**
   * A public key plus the point of order 2, (0, -1), is (-x, -y): a key of mixed order, which the
   * verification from bytes does not check for. Signed with the original key's scalar but hashed
   * with the mixed key, such signatures verify from bytes (32 of 32 with Bouncy Castle 1.87); a
   * cache that decoded with a full-order check would refuse them. The verdicts must not change.
   */
  @Test
  void mixedOrderKeysGetTheVerdictTheyGotFromBytes() {
    int accepted = 0;
    for (int i = 0; i < 32; i++) {
      byte[] seed = seed(100 + i);
      byte[] mixed = plusOrderTwo(Identity.fromSeed(seed).publicKey());
      byte[] msg = {(byte) i};
      byte[] sig = new byte[64];
      Ed25519.sign(seed, 0, mixed, 0, msg, 0, msg.length, sig, 0);
      boolean expected = reference(mixed, msg, sig);
      accepted += expected ? 1 : 0;
      assertEquals(expected, Identity.verify(mixed, NO_DOMAIN, msg, sig), "first");
      assertEquals(expected, Identity.verify(mixed, NO_DOMAIN, msg, sig), "cached");
    }
    System.out.println("mixed-order keys: " + accepted + " of 32 signatures accepted, from bytes and cached alike");
  }

  /** Genuine, bit-flipped, mixed-order and random keys and signatures: cached verdict = verdict from bytes. */
  @Test
  void cachedVerdictIsTheVerdictFromBytes() {
    qt().withExamples(300).forAll(longs().all(), integers().between(0, 4)).checkAssert((s, kind) -> {
      SplittableRandom random = new SplittableRandom(s);
      byte[] seed = new byte[32];
      random.nextBytes(seed);
      Identity id = Identity.fromSeed(seed);
      byte[] msg = new byte[random.nextInt(0, 64)];
      random.nextBytes(msg);
      byte[] key = id.publicKey();
      byte[] sig = id.sign(NO_DOMAIN, msg);
      switch (kind) {
        case 1 -> key[random.nextInt(32)] ^= (byte) (1 << random.nextInt(8));
        case 2 -> sig[random.nextInt(64)] ^= (byte) (1 << random.nextInt(8));
        case 3 -> {
          key = plusOrderTwo(key);
          Ed25519.sign(seed, 0, key, 0, msg, 0, msg.length, sig, 0);
        }
        case 4 -> random.nextBytes(key);
        default -> { }
      }
      boolean expected = reference(key, msg, sig);
      if (kind == 0) {
        assertTrue(expected);
      }
      assertEquals(expected, Identity.verify(key, NO_DOMAIN, msg, sig), "seed " + s + " kind " + kind);
      assertEquals(expected, Identity.verify(key, NO_DOMAIN, msg, sig), "again, seed " + s + " kind " + kind);
    });
  }

  /** Bouncy Castle's verification from the key bytes: what {@link Identity#verify} did without the cache. */
  private static boolean reference(byte[] key, byte[] msg, byte[] sig) {
    try {
      return Ed25519.verify(sig, 0, key, 0, msg, 0, msg.length);
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Return a seed made of {@code n}. */
  private static byte[] seed(int n) {
    byte[] seed = new byte[32];
    seed[0] = (byte) n;
    seed[1] = (byte) (n >> 8);
    return seed;
  }

  /** Return the public key of {@link #seed}{@code (n)}. */
  private static byte[] key(int n) {
    return Identity.fromSeed(seed(n)).publicKey();
  }

  /** Return the encoding of the point plus (0, -1): y negated mod p, the sign of x flipped. */
  private static byte[] plusOrderTwo(byte[] key) {
    byte[] be = new byte[32];
    for (int i = 0; i < 32; i++) {
      be[i] = key[31 - i];
    }
    be[0] &= 0x7f;
    BigInteger y = P.subtract(new BigInteger(1, be)).mod(P);
    byte[] out = new byte[32];
    for (int i = 0; i < 32; i++) {
      out[i] = y.shiftRight(8 * i).byteValue();
    }
    out[31] = (byte) ((out[31] & 0x7f) | (~key[31] & 0x80));
    return out;
  }
}
