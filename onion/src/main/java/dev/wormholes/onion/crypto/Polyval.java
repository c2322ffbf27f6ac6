package dev.wormholes.onion.crypto;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * POLYVAL, the universal hash of RFC 8452 section 3: Horner evaluation in GF(2^128) modulo
 * {@code x^128 + x^127 + x^126 + x^121 + 1}, with {@code dot(a, b) = a * b * x^-128}.
 *
 * <p>Two routes, both without key-dependent tables, so re-keying costs a handful of operations
 * and counter Galois onion can re-key per cell:
 *
 * <ul>
 *   <li>The JDK's GHASH intrinsic (CLMUL/AVX on x86-64), through RFC 8452 Appendix A: {@code
 *       POLYVAL(H, X...) = ByteReverse(GHASH(mulX_GHASH(ByteReverse(H)), ByteReverse(X_i)...))}.
 *       Used when the JVM runs with {@code --add-opens
 *       java.base/com.sun.crypto.provider=ALL-UNNAMED} ({@link #intrinsic()} says which).
 *   <li>Otherwise portable Java: the carry-less 64x64 products use integer multiplications of
 *       operands with every fourth bit kept ("holes" that absorb the carries), the high half
 *       through bit reversal; a 128x128 product is three of those (Karatsuba) and the reduction is
 *       two 64-bit folds. Constant-time.
 * </ul>
 *
 * <p>Use: {@link #init} with a key, {@link #updateBlock} or {@link #updatePadded} any number of
 * times, then {@link #digest}. Not thread-safe; one instance per direction of a layer.
 */
public final class Polyval {
  /** Bytes in a key, a block and a digest. */
  public static final int BLOCK = 16;

  private static final VarHandle LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  // com.sun.crypto.provider.GHASH.processBlocks(byte[] data, int off, int blocks, long[] state,
  // long[] subkeyTable), the intrinsic candidate; null when java.base does not open the package.
  private static final MethodHandle GHASH_BLOCKS = ghashBlocks();
  // JDK 17's GHASH keeps H and 8 powers in 18 longs; the stub fills all but the first two.
  private static final int GHASH_TABLE = 18;
  private static final int CHUNK_BLOCKS = 32;
  private static final long M0 = 0x1111111111111111L;
  private static final long M1 = 0x2222222222222222L;
  private static final long M2 = 0x4444444444444444L;
  private static final long M3 = 0x8888888888888888L;

  private final boolean viaGhash;
  // GHASH route: the big-endian state and subkey table, and the byte-reversed input blocks.
  private final long[] ghashState;
  private final long[] ghashKey;
  private final byte[] reversed;
  // Portable route: the key H as two little-endian words, their xor (Karatsuba middle term) and bit reversals.
  private long h0;
  private long h1;
  private long h2;
  private long r0;
  private long r1;
  private long r2;
  // The accumulator S.
  private long s0;
  private long s1;
  // The zero-padded last partial block of updatePadded.
  private final byte[] pad = new byte[BLOCK];

  /** Return a POLYVAL with key {@code key[off..off+16)} and an empty accumulator. */
  public Polyval(byte[] key, int off) {
    this(key, off, GHASH_BLOCKS != null);
  }

  /** As {@link #Polyval(byte[], int)}, on the GHASH intrinsic route or the portable one. */
  Polyval(byte[] key, int off, boolean viaGhash) {
    if (viaGhash && GHASH_BLOCKS == null) {
      throw new IllegalStateException("java.base does not open com.sun.crypto.provider");
    }
    this.viaGhash = viaGhash;
    this.ghashState = viaGhash ? new long[2] : null;
    this.ghashKey = viaGhash ? new long[GHASH_TABLE] : null;
    this.reversed = viaGhash ? new byte[CHUNK_BLOCKS * BLOCK] : null;
    init(key, off);
  }

  /** Return whether new instances use the JDK's GHASH intrinsic route. */
  public static boolean intrinsic() {
    return GHASH_BLOCKS != null;
  }

  /** Set the key to {@code key[off..off+16)} and clear the accumulator. */
  public void init(byte[] key, int off) {
    if (viaGhash) {
      // mulX_GHASH(ByteReverse(H)) as GHASH's big-endian words: shift right one bit, and fold
      // the bit shifted out back in with GHASH's 0xE1 reduction constant.
      long g0 = (long) LE.get(key, off + 8);
      long g1 = (long) LE.get(key, off);
      long carry = -(g1 & 1);
      Arrays.fill(ghashKey, 0);
      ghashKey[0] = (g0 >>> 1) ^ (carry & 0xE100000000000000L);
      ghashKey[1] = (g1 >>> 1) | (g0 << 63);
      reset();
      return;
    }
    h0 = (long) LE.get(key, off);
    h1 = (long) LE.get(key, off + 8);
    h2 = h0 ^ h1;
    r0 = Long.reverse(h0);
    r1 = Long.reverse(h1);
    r2 = r0 ^ r1;
    s0 = 0;
    s1 = 0;
  }

  /** Clear the accumulator, keeping the key. */
  public void reset() {
    s0 = 0;
    s1 = 0;
    if (viaGhash) {
      ghashState[0] = 0;
      ghashState[1] = 0;
    }
  }

  /** Absorb the 16-byte block at {@code in[off]}. */
  public void updateBlock(byte[] in, int off) {
    if (viaGhash) {
      reverseBlock(in, off, 0);
      ghash(1);
      return;
    }
    mulH(s0 ^ (long) LE.get(in, off), s1 ^ (long) LE.get(in, off + 8));
  }

  /** Absorb {@code in[off..off+len)}, the last partial block padded with zeros. */
  public void updatePadded(byte[] in, int off, int len) {
    if (viaGhash) {
      ghashPadded(in, off, len);
      return;
    }
    int end = off + len;
    int full = off + (len & ~(BLOCK - 1));
    for (int i = off; i < full; i += BLOCK) {
      updateBlock(in, i);
    }
    if (full < end) {
      Arrays.fill(pad, (byte) 0);
      System.arraycopy(in, full, pad, 0, end - full);
      updateBlock(pad, 0);
    }
  }

  /** Write the current digest S to {@code out[off..off+16)}; the accumulator is kept. */
  public void digest(byte[] out, int off) {
    if (viaGhash) {
      LE.set(out, off, ghashState[1]);
      LE.set(out, off + 8, ghashState[0]);
      return;
    }
    LE.set(out, off, s0);
    LE.set(out, off + 8, s1);
  }

  /** Return POLYVAL(key, data), {@code data} padded with zeros to whole blocks. */
  public static byte[] hash(byte[] key, byte[] data) {
    Polyval p = new Polyval(key, 0);
    p.updatePadded(data, 0, data.length);
    byte[] out = new byte[BLOCK];
    p.digest(out, 0);
    return out;
  }

  private void ghashPadded(byte[] in, int off, int len) {
    int at = off;
    int end = off + len;
    while (at < end) {
      int blocks = 0;
      while (blocks < CHUNK_BLOCKS && at + BLOCK <= end) {
        reverseBlock(in, at, blocks++);
        at += BLOCK;
      }
      if (blocks < CHUNK_BLOCKS && at < end) {
        Arrays.fill(pad, (byte) 0);
        System.arraycopy(in, at, pad, 0, end - at);
        reverseBlock(pad, 0, blocks++);
        at = end;
      }
      ghash(blocks);
    }
  }

  // reversed[16*i..] = ByteReverse(in[off..off+16)), read by GHASH as two big-endian words.
  private void reverseBlock(byte[] in, int off, int i) {
    BE.set(reversed, i * BLOCK, (long) LE.get(in, off + 8));
    BE.set(reversed, i * BLOCK + 8, (long) LE.get(in, off));
  }

  private void ghash(int blocks) {
    try {
      GHASH_BLOCKS.invokeExact(reversed, 0, blocks, ghashState, ghashKey);
    } catch (Throwable e) {
      throw new IllegalStateException("GHASH.processBlocks failed", e);
    }
  }

  private static MethodHandle ghashBlocks() {
    try {
      Class<?> ghash = Class.forName("com.sun.crypto.provider.GHASH");
      MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(ghash, MethodHandles.lookup());
      return lookup.findStatic(ghash, "processBlocks",
          MethodType.methodType(void.class, byte[].class, int.class, int.class, long[].class, long[].class));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  // S = dot(a, H): the 256-bit carry-less product, then a Montgomery reduction by x^128.
  private void mulH(long a0, long a1) {
    long a2 = a0 ^ a1;
    long ra0 = Long.reverse(a0);
    long ra1 = Long.reverse(a1);
    long ra2 = ra0 ^ ra1;
    long lo0 = bmul(a0, h0);
    long lo1 = bmul(a1, h1);
    long lo2 = bmul(a2, h2);
    long hi0 = Long.reverse(bmul(ra0, r0)) >>> 1;
    long hi1 = Long.reverse(bmul(ra1, r1)) >>> 1;
    long hi2 = Long.reverse(bmul(ra2, r2)) >>> 1;
    lo2 ^= lo0 ^ lo1;
    hi2 ^= hi0 ^ hi1;
    long c0 = lo0;
    long c1 = hi0 ^ lo2;
    long c2 = lo1 ^ hi2;
    long c3 = hi1;
    // Add c0 * P, then c1 * P * x^64 (P = x^128 + x^127 + x^126 + x^121 + 1): the low 128 bits
    // vanish and what remains is c * x^-128 mod P.
    c1 ^= (c0 << 63) ^ (c0 << 62) ^ (c0 << 57);
    c2 ^= c0 ^ (c0 >>> 1) ^ (c0 >>> 2) ^ (c0 >>> 7);
    c2 ^= (c1 << 63) ^ (c1 << 62) ^ (c1 << 57);
    c3 ^= c1 ^ (c1 >>> 1) ^ (c1 >>> 2) ^ (c1 >>> 7);
    s0 = c2;
    s1 = c3;
  }

  // The low 64 bits of the carry-less product x * y. Keeping every fourth bit of each operand
  // bounds the number of terms summed at any product bit by 16, so integer carries land only on
  // bits of other residues mod 4 (masked away) or above bit 63.
  private static long bmul(long x, long y) {
    long x0 = x & M0;
    long x1 = x & M1;
    long x2 = x & M2;
    long x3 = x & M3;
    long y0 = y & M0;
    long y1 = y & M1;
    long y2 = y & M2;
    long y3 = y & M3;
    long z0 = (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
    long z1 = (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
    long z2 = (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
    long z3 = (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
    return (z0 & M0) | (z1 & M1) | (z2 & M2) | (z3 & M3);
  }
}
