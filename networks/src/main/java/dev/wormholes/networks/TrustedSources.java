package dev.wormholes.networks;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The sources (IP and port) whose sealed datagrams opened lately, and the budget they spend
 * instead of the per-source budget for strangers: a stream inside a network needs more than the
 * node grants a stranger (500 datagrams/s by default), but a source address can be spoofed, so a
 * trusted source is held to a second, larger budget ({@link #PER_SECOND}, burst {@link #BURST})
 * rather than none: someone spoofing a member's address makes the node attempt at most that many
 * opens a second. A source stays trusted for {@link #TTL_MS} after its last datagram that opened.
 * Bounded: the {@link #MAX} most recently trusted. Time is handed in.
 */
public final class TrustedSources {
  /** How long after its last opened datagram a source is trusted. */
  public static final long TTL_MS = 30_000;
  /** Most sources remembered. */
  public static final int MAX = 1024;
  /** Datagrams a second a trusted source may send (about 27 MB/s of 1,350-byte datagrams). */
  public static final double PER_SECOND = 20_000;
  /** Datagrams a trusted source may send at once. */
  public static final double BURST = 20_000;

  /** What a datagram of a source costs. */
  public enum Verdict {
    /** Trusted, within its budget: open it. */
    WITHIN,
    /** Trusted, over its budget: drop it unopened. */
    OVER,
    /** Not trusted: it pays the per-source budget for strangers. */
    STRANGER
  }

  private static final class Source {
    long lastOpened;
    double tokens = BURST;
    long refilled;

    Source(long now) {
      lastOpened = now;
      refilled = now;
    }
  }

  private final Map<InetSocketAddress, Source> sources = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<InetSocketAddress, Source> eldest) {
      return size() > MAX;
    }
  };
  private long over;

  /** Spend one datagram of {@code source}'s trusted budget at {@code now}, if it is trusted. */
  public Verdict charge(InetSocketAddress source, long now) {
    Source s = sources.get(source);
    if (s == null || now - s.lastOpened >= TTL_MS) {
      return Verdict.STRANGER;
    }
    if (now > s.refilled) {
      s.tokens = Math.min(BURST, s.tokens + (now - s.refilled) * PER_SECOND / 1000.0);
      s.refilled = now;
    }
    if (s.tokens < 1) {
      over++;
      return Verdict.OVER;
    }
    s.tokens -= 1;
    return Verdict.WITHIN;
  }

  /** Note that a datagram of {@code source} opened at {@code now}. */
  public void opened(InetSocketAddress source, long now) {
    Source s = sources.get(source);
    if (s == null) {
      sources.put(source, new Source(now));
    } else {
      s.lastOpened = now;
    }
  }

  /** Return how many sources are remembered. */
  public int size() {
    return sources.size();
  }

  /** Return how many datagrams of trusted sources were over their budget. */
  public long over() {
    return over;
  }
}
