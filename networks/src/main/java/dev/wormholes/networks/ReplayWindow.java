package dev.wormholes.networks;

/**
 * A sliding window over one sender's nonce counters (RFC 4303 style, {@link #SIZE} wide): a
 * counter is fresh if it is above the highest seen, or within the window and not seen yet.
 * {@link #fresh} only looks; {@link #mark} records a counter after its datagram authenticated,
 * so forged datagrams cannot move the window.
 */
final class ReplayWindow {
  /** Counters remembered below the highest one. */
  static final int SIZE = 1024;

  private final long[] bits = new long[SIZE / 64];
  private long highest = -1;

  /** Return whether {@code counter} has not been seen and is not too old. */
  boolean fresh(long counter) {
    if (counter < 0) {
      return false;
    }
    if (counter > highest) {
      return true;
    }
    long age = highest - counter;
    return age < SIZE && !get(counter);
  }

  /** Record {@code counter} as seen (call only after {@link #fresh} said yes and it authenticated). */
  void mark(long counter) {
    if (counter > highest) {
      long shift = highest < 0 ? SIZE : counter - highest;
      if (shift >= SIZE) {
        java.util.Arrays.fill(bits, 0);
      } else {
        for (long c = highest + 1; c <= counter; c++) {
          clear(c);
        }
      }
      highest = counter;
    }
    set(counter);
  }

  private boolean get(long c) {
    int i = (int) (c % SIZE);
    return (bits[i >>> 6] & (1L << (i & 63))) != 0;
  }

  private void set(long c) {
    int i = (int) (c % SIZE);
    bits[i >>> 6] |= 1L << (i & 63);
  }

  private void clear(long c) {
    int i = (int) (c % SIZE);
    bits[i >>> 6] &= ~(1L << (i & 63));
  }
}
