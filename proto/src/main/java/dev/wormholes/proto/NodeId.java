package dev.wormholes.proto;

import com.google.common.io.BaseEncoding;
import java.util.Arrays;
import java.util.Optional;

/**
 * A 256-bit Kademlia identifier: a node id (SHA-256 of an Ed25519 public key) or a DHT key.
 *
 * <p>Stored as four big-endian longs so that XOR distance and comparison need no allocation and a
 * million of them stay small (48 bytes each). Text form: 52 lower-case RFC 4648 base32 characters
 * without padding, safe in DNS labels ({@code service.<id>.wh}).
 */
public final class NodeId implements Comparable<NodeId> {
  /** Bits in an id. */
  public static final int BITS = 256;
  /** Bytes in an id. */
  public static final int BYTES = 32;
  /** Length of the text form. */
  public static final int TEXT_LENGTH = 52;

  private static final BaseEncoding BASE32 = BaseEncoding.base32().lowerCase().omitPadding();

  // Big-endian words: w0 holds bits 255..192 (the most significant).
  private final long w0;
  private final long w1;
  private final long w2;
  private final long w3;

  private NodeId(long w0, long w1, long w2, long w3) {
    this.w0 = w0;
    this.w1 = w1;
    this.w2 = w2;
    this.w3 = w3;
  }

  /** Return the id whose big-endian bytes are {@code bytes}; throw if it is not 32 bytes long. */
  public static NodeId of(byte[] bytes) {
    if (bytes.length != BYTES) {
      throw new IllegalArgumentException("a node id is 32 bytes, got " + bytes.length);
    }
    return new NodeId(word(bytes, 0), word(bytes, 8), word(bytes, 16), word(bytes, 24));
  }

  /** Return the id for {@code bytes}, or empty if it is not 32 bytes long (for peer input). */
  public static Optional<NodeId> tryOf(byte[] bytes) {
    return bytes.length == BYTES ? Optional.of(of(bytes)) : Optional.empty();
  }

  /** Return the id made of four big-endian words. */
  public static NodeId ofWords(long w0, long w1, long w2, long w3) {
    return new NodeId(w0, w1, w2, w3);
  }

  /** Return the id whose text form is {@code text}, or empty if it is not one (for user input). */
  public static Optional<NodeId> parse(String text) {
    String t = text.trim().toLowerCase(java.util.Locale.ROOT);
    if (t.length() != TEXT_LENGTH || !BASE32.canDecode(t)) {
      return Optional.empty();
    }
    byte[] b = BASE32.decode(t);
    // 52 base32 chars carry 260 bits: the last 4 must be zero for the form to be canonical.
    return b.length == BYTES && BASE32.encode(b).equals(t) ? Optional.of(of(b)) : Optional.empty();
  }

  private static long word(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xFFL);
    }
    return v;
  }

  /** Return the 32 big-endian bytes. */
  public byte[] toBytes() {
    byte[] b = new byte[BYTES];
    putWord(b, 0, w0);
    putWord(b, 8, w1);
    putWord(b, 16, w2);
    putWord(b, 24, w3);
    return b;
  }

  private static void putWord(byte[] b, int off, long w) {
    for (int i = 0; i < 8; i++) {
      b[off + i] = (byte) (w >>> (56 - 8 * i));
    }
  }

  /** Return word {@code i} (0 = most significant). */
  public long word(int i) {
    switch (i) {
      case 0: return w0;
      case 1: return w1;
      case 2: return w2;
      case 3: return w3;
      default: throw new IndexOutOfBoundsException(i);
    }
  }

  /** Return the XOR distance between this id and {@code other}, itself an id. */
  public NodeId xor(NodeId other) {
    return new NodeId(w0 ^ other.w0, w1 ^ other.w1, w2 ^ other.w2, w3 ^ other.w3);
  }

  /**
   * Return the number of leading bits this id shares with {@code other}: 256 if equal. The
   * k-bucket index of {@code other} in the table of this id is {@code 255 - commonPrefixLength}.
   */
  public int commonPrefixLength(NodeId other) {
    long x = w0 ^ other.w0;
    if (x != 0) return Long.numberOfLeadingZeros(x);
    x = w1 ^ other.w1;
    if (x != 0) return 64 + Long.numberOfLeadingZeros(x);
    x = w2 ^ other.w2;
    if (x != 0) return 128 + Long.numberOfLeadingZeros(x);
    x = w3 ^ other.w3;
    if (x != 0) return 192 + Long.numberOfLeadingZeros(x);
    return BITS;
  }

  /** Compare the XOR distances of {@code a} and {@code b} to this id: negative if a is closer. */
  public int compareDistance(NodeId a, NodeId b) {
    int c = Long.compareUnsigned(a.w0 ^ w0, b.w0 ^ w0);
    if (c != 0) return c;
    c = Long.compareUnsigned(a.w1 ^ w1, b.w1 ^ w1);
    if (c != 0) return c;
    c = Long.compareUnsigned(a.w2 ^ w2, b.w2 ^ w2);
    if (c != 0) return c;
    return Long.compareUnsigned(a.w3 ^ w3, b.w3 ^ w3);
  }

  /** Return bit {@code i} counted from the most significant (0) to the least (255). */
  public boolean bit(int i) {
    return ((word(i >>> 6) >>> (63 - (i & 63))) & 1) != 0;
  }

  /** Return the id with bit {@code i} (0 = most significant) flipped. */
  public NodeId flipBit(int i) {
    long[] w = {w0, w1, w2, w3};
    w[i >>> 6] ^= 1L << (63 - (i & 63));
    return new NodeId(w[0], w[1], w[2], w[3]);
  }

  /** Unsigned big-endian order, the order of XOR distance from the zero id. */
  @Override
  public int compareTo(NodeId o) {
    int c = Long.compareUnsigned(w0, o.w0);
    if (c != 0) return c;
    c = Long.compareUnsigned(w1, o.w1);
    if (c != 0) return c;
    c = Long.compareUnsigned(w2, o.w2);
    if (c != 0) return c;
    return Long.compareUnsigned(w3, o.w3);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NodeId && ((NodeId) o).w0 == w0 && ((NodeId) o).w1 == w1
        && ((NodeId) o).w2 == w2 && ((NodeId) o).w3 == w3;
  }

  @Override
  public int hashCode() {
    // The words are uniformly distributed hash output; the top word is hash enough.
    return (int) (w0 ^ (w0 >>> 32));
  }

  /** Return the 52-character base32 text form. */
  @Override
  public String toString() {
    return BASE32.encode(toBytes());
  }

  /** Return the first 8 characters of the text form, for logs and tables. */
  public String shortString() {
    return toString().substring(0, 8);
  }

  static boolean sameBytes(byte[] a, byte[] b) {
    return Arrays.equals(a, b);
  }
}
