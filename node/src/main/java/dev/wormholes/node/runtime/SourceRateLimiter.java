package dev.wormholes.node.runtime;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import java.net.InetAddress;
import java.security.SecureRandom;

/**
 * Token buckets per source IP address, in a fixed table of {@code slots} buckets: memory stays
 * bounded however many sources send. Addresses are hashed with a secret SipHash key into the
 * table; two addresses that share a slot share its budget (an attacker cannot choose whom it
 * collides with without the key). Not thread-safe: used on one event loop.
 */
public final class SourceRateLimiter {
  private final HashFunction hash;
  private final double perMilli;
  private final double burst;
  private final double[] tokens;
  private final long[] lastRefill;

  /**
   * Return a limiter allowing each source {@code perSecond} datagrams per second on average and
   * bursts of {@code burst}, with a table of {@code slots} buckets.
   */
  public SourceRateLimiter(int slots, double perSecond, double burst) {
    if (slots <= 0 || perSecond <= 0 || burst < 1) {
      throw new IllegalArgumentException("slots, perSecond and burst must be positive");
    }
    SecureRandom r = new SecureRandom();
    this.hash = Hashing.sipHash24(r.nextLong(), r.nextLong());
    this.perMilli = perSecond / 1000.0;
    this.burst = burst;
    this.tokens = new double[slots];
    this.lastRefill = new long[slots];
    java.util.Arrays.fill(tokens, burst);
  }

  /** Return whether a datagram from {@code source} at {@code now} (monotonic ms) is within budget, spending one token. */
  public boolean allow(InetAddress source, long now) {
    int slot = Math.floorMod(hash.hashBytes(source.getAddress()).asInt(), tokens.length);
    long elapsed = Math.max(0, now - lastRefill[slot]);
    lastRefill[slot] = Math.max(now, lastRefill[slot]);
    double t = Math.min(burst, tokens[slot] + elapsed * perMilli);
    if (t < 1) {
      tokens[slot] = t;
      return false;
    }
    tokens[slot] = t - 1;
    return true;
  }

  /** Return the number of buckets (the memory bound). */
  public int slots() {
    return tokens.length;
  }
}
