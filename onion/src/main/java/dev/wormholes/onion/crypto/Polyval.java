package dev.wormholes.onion.crypto;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * POLYVAL, the universal hash of RFC 8452 section 3: Horner evaluation in GF(2^128) modulo
 * {@code x^128 + x^127 + x^126 + x^121 + 1}, with {@code dot(a, b) = a * b * x^-128}.
 *
 * <p>Table-free and constant-time: the carry-less 64x64 products use integer multiplications of
 * operands with every fourth bit kept ("holes" that absorb the carries), the high half through bit
 * reversal; a 128x128 product is three of those (Karatsuba) and the reduction is two 64-bit folds.
 * Re-keying costs a handful of operations, so counter Galois onion can re-key per cell.
 *
 * <p>Use: {@link #init} with a key, {@link #updateBlock} or {@link #updatePadded} any number of
 * times, then {@link #digest}. Not thread-safe; one instance per direction of a layer.
 */
public final class Polyval {
  /** Bytes in a key, a block and a digest. */
  public static final int BLOCK = 16;

  private static final VarHandle LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long M0 = 0x1111111111111111L;
  private static final long M1 = 0x2222222222222222L;
  private static final long M2 = 0x4444444444444444L;
  private static final long M3 = 0x8888888888888888L;

  // The key H as two little-endian words, their xor (Karatsuba middle term) and bit reversals.
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
    init(key, off);
  }

  /** Set the key to {@code key[off..off+16)} and clear the accumulator. */
  public void init(byte[] key, int off) {
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
  }

  /** Absorb the 16-byte block at {@code in[off]}. */
  public void updateBlock(byte[] in, int off) {
    mulH(s0 ^ (long) LE.get(in, off), s1 ^ (long) LE.get(in, off + 8));
  }

  /** Absorb {@code in[off..off+len)}, the last partial block padded with zeros. */
  public void updatePadded(byte[] in, int off, int len) {
    int end = off + len;
    int full = off + (len & ~(BLOCK - 1));
    for (int i = off; i < full; i += BLOCK) {
      updateBlock(in, i);
    }
    if (full < end) {
      java.util.Arrays.fill(pad, (byte) 0);
      System.arraycopy(in, full, pad, 0, end - full);
      updateBlock(pad, 0);
    }
  }

  /** Write the current digest S to {@code out[off..off+16)}; the accumulator is kept. */
  public void digest(byte[] out, int off) {
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
