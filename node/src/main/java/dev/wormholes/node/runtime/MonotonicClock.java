package dev.wormholes.node.runtime;

/**
 * The monotonic milliseconds handed to engines as {@code now} (and microseconds where an engine
 * asks for them): positive, never going back.
 */
public final class MonotonicClock {
  private static final long ORIGIN = System.nanoTime();

  private MonotonicClock() {}

  /** Return milliseconds since this class was loaded, plus one (so never zero). */
  public static long now() {
    return (System.nanoTime() - ORIGIN) / 1_000_000L + 1;
  }

  /** Return microseconds since this class was loaded, plus one: for round trips below a millisecond's rounding. */
  public static long nowMicros() {
    return (System.nanoTime() - ORIGIN) / 1_000L + 1;
  }
}
