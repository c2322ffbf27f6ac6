package dev.wormholes.nat.relay;

/**
 * A byte-rate token bucket on the engine's monotonic milliseconds: {@code rate} bytes per second
 * refill up to {@code burst}; starts full. Not thread-safe (engines are single-threaded).
 */
final class TokenBucket {
  private final double perMs;
  private final double burst;
  private double tokens;
  private long last;

  TokenBucket(long bytesPerSecond, long burst, long now) {
    this.perMs = bytesPerSecond / 1000.0;
    this.burst = burst;
    this.tokens = burst;
    this.last = now;
  }

  /** Return whether {@code bytes} tokens are there at {@code now} (refilling first). */
  boolean has(int bytes, long now) {
    if (now > last) {
      tokens = Math.min(burst, tokens + (now - last) * perMs);
      last = now;
    }
    return tokens >= bytes;
  }

  /** Take {@code bytes} tokens; call after {@link #has} said yes at the same time. */
  void take(int bytes) {
    tokens -= bytes;
  }
}
