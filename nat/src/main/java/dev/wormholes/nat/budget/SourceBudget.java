package dev.wormholes.nat.budget;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import dev.wormholes.proto.engine.TokenBucket;
import java.net.InetAddress;

/**
 * What one source may send before anything parses or verifies it: a datagram {@link TokenBucket}
 * per source and one per source network, each in a fixed table, so memory stays bounded however
 * many sources send. A source is an IPv4 address or an IPv6 /64 (one host's usual share, so a /64
 * cannot escape the limit by rotating addresses); its network an IPv4 /24 or an IPv6 /48. A
 * datagram passes only if both buckets have a token.
 *
 * <p>Keys are hashed into the tables with SipHash under a key the caller hands in (drawn from a
 * secure source in the node): two sources sharing a slot share its budget, and an attacker cannot
 * choose whom it collides with. Not thread-safe: one event loop uses it.
 *
 * @see Config
 */
public final class SourceBudget {

  /**
   * The budget.
   *
   * @param perSecond datagrams per second one source may send on average
   * @param burst datagrams one source may send at once
   * @param networkPerSecond datagrams per second one network (/24, /48) may send on average
   * @param networkBurst datagrams one network may send at once
   * @param slots buckets per table (the memory bound)
   */
  public record Config(double perSecond, double burst, double networkPerSecond, double networkBurst, int slots) {
    /** Check the values. */
    public Config {
      if (perSecond <= 0 || burst < 1 || networkPerSecond <= 0 || networkBurst < 1 || slots < 1) {
        throw new IllegalArgumentException("budget values must be positive: " + this);
      }
    }

    /** Return a budget of {@code perSecond}/{@code burst} per source and four times that per network. */
    public static Config perSource(double perSecond, double burst, int slots) {
      return new Config(perSecond, burst, 4 * perSecond, 4 * burst, slots);
    }
  }

  private final HashFunction hash;
  private final TokenBucket[] sources;
  private final TokenBucket[] networks;
  private final Config config;

  /** Return a budget under {@code config}, hashing with the 128-bit SipHash key {@code k0, k1}. */
  public SourceBudget(Config config, long k0, long k1) {
    this.config = config;
    this.hash = Hashing.sipHash24(k0, k1);
    this.sources = new TokenBucket[config.slots()];
    this.networks = new TokenBucket[config.slots()];
  }

  /**
   * Return whether a datagram from {@code source} at {@code now} (monotonic ms) is within budget,
   * spending a token of the source's and of its network's bucket if it is.
   */
  public boolean allow(InetAddress source, long now) {
    byte[] ip = source.getAddress();
    boolean v4 = ip.length == 4;
    TokenBucket s = bucket(sources, ip, v4 ? 4 : 8, config.perSecond(), config.burst(), now);
    TokenBucket n = bucket(networks, ip, v4 ? 3 : 6, config.networkPerSecond(), config.networkBurst(), now);
    if (!s.has(1, now) || !n.has(1, now)) {
      return false;
    }
    s.take(1);
    n.take(1);
    return true;
  }

  private TokenBucket bucket(TokenBucket[] table, byte[] ip, int prefixBytes, double rate, double burst, long now) {
    // The prefix length is hashed too, so that a source and a network never share a key.
    int slot = Math.floorMod(hash.newHasher().putInt(prefixBytes).putBytes(ip, 0, prefixBytes).hash().asInt(),
        table.length);
    TokenBucket b = table[slot];
    if (b == null) {
      b = new TokenBucket(rate, burst, now);
      table[slot] = b;
    }
    return b;
  }

  /** Return the number of buckets per table (the memory bound). */
  public int slots() {
    return sources.length;
  }
}
