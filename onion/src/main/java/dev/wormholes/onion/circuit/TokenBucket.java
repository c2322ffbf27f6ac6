package dev.wormholes.onion.circuit;

/**
 * A token bucket on the caller's monotonic clock: {@code capacity} tokens, refilled at {@code
 * perSecond}, starting full. Time only moves forward: an earlier {@code now} refills nothing.
 */
final class TokenBucket {
  private final double capacity;
  private final double perMs;
  private double tokens;
  private long lastMs;

  TokenBucket(int capacity, double perSecond, long now) {
    this.capacity = capacity;
    this.perMs = perSecond / 1000.0;
    this.tokens = capacity;
    this.lastMs = now;
  }

  /** Take one token if there is one at {@code now}; return whether one was taken. */
  boolean tryTake(long now) {
    refill(now);
    if (tokens < 1) {
      return false;
    }
    tokens -= 1;
    return true;
  }

  /** Return whether the bucket is full at {@code now} (then it is no different from a new one). */
  boolean full(long now) {
    refill(now);
    return tokens >= capacity;
  }

  private void refill(long now) {
    if (now > lastMs) {
      tokens = Math.min(capacity, tokens + (now - lastMs) * perMs);
      lastMs = now;
    }
  }
}
