package dev.wormholes.node.runtime;

/** The monotonic milliseconds handed to engines as {@code now}: positive, never going back. */
public final class MonotonicClock {
  private static final long ORIGIN = System.nanoTime();

  private MonotonicClock() {}

  /** Return milliseconds since this class was loaded, plus one (so never zero). */
  public static long now() {
    return (System.nanoTime() - ORIGIN) / 1_000_000L + 1;
  }
}
