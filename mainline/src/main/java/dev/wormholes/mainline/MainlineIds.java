package dev.wormholes.mainline;

import java.net.InetAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.random.RandomGenerator;

/**
 * Mainline node ids and keys: 160-bit ids, BEP 42's address-bound ids (CRC32C of the masked
 * address), SHA-1 targets, XOR distance.
 */
public final class MainlineIds {
  /** Bytes in a node id, info-hash or BEP 44 target. */
  public static final int ID_BYTES = 20;
  private static final int[] V4_MASK = {0x03, 0x0f, 0x3f, 0xff};

  private MainlineIds() {}

  /** Return SHA-1 of the concatenation of {@code parts}. */
  public static byte[] sha1(byte[]... parts) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-1");
      for (byte[] p : parts) {
        md.update(p);
      }
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-1", e);
    }
  }

  /** Return a uniformly random id. */
  public static byte[] random(RandomGenerator random) {
    byte[] id = new byte[ID_BYTES];
    random.nextBytes(id);
    return id;
  }

  /**
   * Return whether BEP 42 binds ids to {@code address}: a public IPv4 address (not loopback,
   * private, link-local, CGNAT or multicast). Other addresses keep a random id.
   */
  public static boolean bindsId(InetAddress address) {
    byte[] ip = address.getAddress();
    if (ip.length != 4 || address.isLoopbackAddress() || address.isSiteLocalAddress()
        || address.isLinkLocalAddress() || address.isMulticastAddress() || address.isAnyLocalAddress()) {
      return false;
    }
    int a = ip[0] & 0xff;
    int b = ip[1] & 0xff;
    return !(a == 100 && b >= 64 && b < 128) && a != 0 && a < 224;
  }

  /**
   * Return a BEP 42 id for the IPv4 address {@code ip}: the first 21 bits from CRC32C of the masked
   * address with {@code r} (0-7) in its top bits, the last byte {@code r} plus random upper bits,
   * the rest from {@code random}.
   */
  public static byte[] bep42(byte[] ip, int r, RandomGenerator random) {
    long crc = crc32c(maskedV4(ip, r));
    byte[] id = random(random);
    id[0] = (byte) (crc >>> 24);
    id[1] = (byte) (crc >>> 16);
    id[2] = (byte) (((crc >>> 8) & 0xf8) | (id[2] & 0x07));
    id[19] = (byte) ((id[19] & 0xf8) | (r & 0x07));
    return id;
  }

  /** Return whether {@code id} is a valid BEP 42 id for the IPv4 address {@code ip}. */
  public static boolean isBep42(byte[] id, byte[] ip) {
    if (id.length != ID_BYTES || ip.length != 4) {
      return false;
    }
    long crc = crc32c(maskedV4(ip, id[19] & 0x07));
    return (id[0] & 0xff) == ((crc >>> 24) & 0xff) && (id[1] & 0xff) == ((crc >>> 16) & 0xff)
        && (id[2] & 0xf8) == ((crc >>> 8) & 0xf8);
  }

  private static byte[] maskedV4(byte[] ip, int r) {
    byte[] m = new byte[4];
    for (int i = 0; i < 4; i++) {
      m[i] = (byte) (ip[i] & V4_MASK[i]);
    }
    m[0] |= (byte) ((r & 0x07) << 5);
    return m;
  }

  /** Return CRC32C (Castagnoli) of {@code b}. */
  static long crc32c(byte[] b) {
    java.util.zip.CRC32C c = new java.util.zip.CRC32C();
    c.update(b, 0, b.length);
    return c.getValue();
  }

  /** Compare the XOR distances of {@code a} and {@code b} to {@code target}, unsigned. */
  public static int compareDistance(byte[] target, byte[] a, byte[] b) {
    for (int i = 0; i < ID_BYTES; i++) {
      int da = (a[i] ^ target[i]) & 0xff;
      int db = (b[i] ^ target[i]) & 0xff;
      if (da != db) {
        return Integer.compare(da, db);
      }
    }
    return 0;
  }

  /** Return the number of leading bits {@code a} and {@code b} share (160 when equal). */
  public static int commonPrefix(byte[] a, byte[] b) {
    for (int i = 0; i < ID_BYTES; i++) {
      int x = (a[i] ^ b[i]) & 0xff;
      if (x != 0) {
        return i * 8 + Integer.numberOfLeadingZeros(x) - 24;
      }
    }
    return ID_BYTES * 8;
  }
}
