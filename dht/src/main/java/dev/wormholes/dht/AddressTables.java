package dev.wormholes.dht;

import com.google.protobuf.ByteString;
import java.net.InetSocketAddress;

/**
 * Two fixed-size, direct-mapped tables keyed by a hash of a peer's ip and port, so that hostile
 * traffic from many addresses can never grow memory: a colliding address simply takes the slot.
 * Both are allocated on first use.
 */
final class AddressTables {
  private AddressTables() {}

  /** Return a 64-bit hash of {@code a}'s ip and port (FNV-1a, then a murmur finaliser). Never 0. */
  static long hash(InetSocketAddress a) {
    byte[] ip = a.getAddress().getAddress();
    return hash(ip, ip.length, a.getPort());
  }

  /**
   * Return a hash of the source that a per-source limit counts: an IPv4 address, an IPv6 /64 (one
   * host gets a whole /64, so a per-address limit would let it use 2^64 sources), or, on loopback,
   * the address and port (nodes on one machine are different sources). Never 0.
   */
  static long sourceHash(InetSocketAddress a) {
    if (a.getAddress().isLoopbackAddress()) return hash(a);
    byte[] ip = a.getAddress().getAddress();
    return hash(ip, ip.length == 4 ? 4 : 8, -1);
  }

  /** Return a hash of {@code a}'s prefix ({@link RoutingTable#prefixOf}: IPv4 /24, IPv6 /64; loopback: ip and port). */
  static long prefixHash(InetSocketAddress a) {
    if (a.getAddress().isLoopbackAddress()) return hash(a);
    byte[] ip = a.getAddress().getAddress();
    return hash(ip, ip.length == 4 ? 3 : 8, -2);
  }

  private static long hash(byte[] ip, int n, int port) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < n; i++) {
      h = (h ^ (ip[i] & 0xFF)) * 0x100000001b3L;
    }
    h = (h ^ port) * 0x100000001b3L;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return h == 0 ? 1 : h;
  }

  /**
   * Per-source limit: at most {@code limit} events per source per whole window ({@code windowMs}).
   * Each slot packs the upper 32 bits of the source hash, a 16-bit count and the low 16 bits of the
   * window number.
   */
  static final class RateLimiter {
    private final int slots;
    private final int limit;
    private final long windowMs;
    private long[] table;

    /** A limit per second per source ({@link #sourceHash}). */
    RateLimiter(int slots, int limit) {
      this(slots, limit, 1000);
    }

    RateLimiter(int slots, int limit, long windowMs) {
      this.slots = slots;
      this.limit = limit;
      this.windowMs = windowMs;
    }

    /** Count an event from {@code a} at {@code now}, keyed by {@link #sourceHash}; return whether it is within the limit. */
    boolean allow(InetSocketAddress a, long now) {
      return allow(sourceHash(a), now);
    }

    /** Count an event of source hash {@code h} at {@code now}; return whether it is within the limit. */
    boolean allow(long h, long now) {
      if (table == null) table = new long[slots];
      int slot = (int) Long.remainderUnsigned(h, slots);
      long tag = h >>> 32;
      long second = (now / windowMs) & 0xFFFF;
      long e = table[slot];
      long count = (e >>> 16) & 0xFFFF;
      if ((e >>> 32) != tag || (e & 0xFFFF) != second) count = 0;
      if (count >= limit) return false;
      table[slot] = (tag << 32) | ((count + 1) << 16) | second;
      return true;
    }
  }

  /** Tokens that peers issued us, so that our next request to them is validated. */
  static final class TokenCache {
    private final int slots;
    // Per slot: address hash, the 16 token bytes as two longs, the time it arrived. Hash 0 = empty.
    private long[] table;

    TokenCache(int slots) {
      this.slots = slots;
    }

    /** Remember {@code token} (if it is {@link AddressTokens#TOKEN_BYTES} long) for {@code a}, received at {@code now}. */
    void put(InetSocketAddress a, ByteString token, long now) {
      if (slots == 0 || token.size() != AddressTokens.TOKEN_BYTES) return;
      if (table == null) table = new long[4 * slots];
      long h = hash(a);
      int i = 4 * (int) Long.remainderUnsigned(h, slots);
      table[i] = h;
      table[i + 1] = token.substring(0, 8).asReadOnlyByteBuffer().getLong();
      table[i + 2] = token.substring(8, 16).asReadOnlyByteBuffer().getLong();
      table[i + 3] = now;
    }

    /**
     * Return the token remembered for {@code a}, or null, also when it arrived {@link
     * DhtConfig#TOKEN_ROTATE_MS} or more before {@code now}: its issuer may have rotated its secret
     * twice since (a token is sure to stay valid only that long), and a request with a refused
     * token comes back cut, costing a second round trip; without one, a request to a proven address
     * is padded so that its answer is whole.
     */
    ByteString get(InetSocketAddress a, long now) {
      if (table == null) return null;
      long h = hash(a);
      int i = 4 * (int) Long.remainderUnsigned(h, slots);
      if (table[i] != h || now - table[i + 3] >= DhtConfig.TOKEN_ROTATE_MS) return null;
      byte[] t = java.nio.ByteBuffer.allocate(16).putLong(table[i + 1]).putLong(table[i + 2]).array();
      return ByteString.copyFrom(t);
    }

    /** Forget the token for {@code a} (it was refused). */
    void remove(InetSocketAddress a) {
      if (table == null) return;
      long h = hash(a);
      int i = 4 * (int) Long.remainderUnsigned(h, slots);
      if (table[i] == h) table[i] = 0;
    }
  }
}
