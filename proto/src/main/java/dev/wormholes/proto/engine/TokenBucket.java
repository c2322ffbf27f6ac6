package dev.wormholes.proto.engine;

/**
 * A token bucket on the caller's monotonic milliseconds: {@code rate} tokens per second refill up
 * to {@code burst}; it starts full. Tokens are whatever the caller counts (datagrams, bytes). Time
 * that goes backwards refills nothing. Not thread-safe (engines are single-threaded). The one
 * token bucket of the engines (per-source budgets, relay byte rates, rendezvous rates, onion CREATE
 * budgets).
 */
public final class TokenBucket {
  private final double perMs;
  private final double burst;
  private double tokens;
  private long last;

  /** Return a full bucket of {@code burst} tokens refilled at {@code perSecond}, as of {@code now}. */
  public TokenBucket(double perSecond, double burst, long now) {
    if (perSecond <= 0 || burst <= 0) {
      throw new IllegalArgumentException("rate and burst must be positive: " + perSecond + ", " + burst);
    }
    this.perMs = perSecond / 1000.0;
    this.burst = burst;
    this.tokens = burst;
    this.last = now;
  }

  /** Return whether {@code n} tokens are there at {@code now} (refilling first); take none. */
  public boolean has(double n, long now) {
    if (now > last) {
      tokens = Math.min(burst, tokens + (now - last) * perMs);
      last = now;
    }
    return tokens >= n;
  }

  /** Return whether the bucket is full at {@code now} (then it is no different from a new one). */
  public boolean full(long now) {
    return has(burst, now);
  }

  /** Take {@code n} tokens; call after {@link #has} said yes at the same time. */
  public void take(double n) {
    tokens -= n;
  }

  /** Take {@code n} tokens at {@code now} if they are there; return whether it did. */
  public boolean tryTake(double n, long now) {
    if (!has(n, now)) {
      return false;
    }
    tokens -= n;
    return true;
  }
}
