package dev.wormholes.node.runtime;

import org.slf4j.Logger;

/**
 * A logger that writes at most one line per {@code intervalMillis} and says how many it
 * suppressed, so that a flood of bad input cannot flood the log. Not thread-safe: one per loop.
 */
public final class ThrottledLog {
  private final Logger log;
  private final long intervalMillis;
  private long lastAt = Long.MIN_VALUE / 2;
  private long suppressed;

  /** Return a throttled view of {@code log}. */
  public ThrottledLog(Logger log, long intervalMillis) {
    this.log = log;
    this.intervalMillis = intervalMillis;
  }

  /** Log {@code message} and {@code t} as a warning unless one was logged in the last interval. */
  public void warn(long now, String message, Throwable t) {
    if (now - lastAt < intervalMillis) {
      suppressed++;
      return;
    }
    lastAt = now;
    if (suppressed > 0) {
      log.warn("{} ({} similar messages suppressed)", message, suppressed, t);
    } else {
      log.warn(message, t);
    }
    suppressed = 0;
  }
}
