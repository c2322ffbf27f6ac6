package dev.wormholes.networks;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The sources (IP and port) whose sealed datagrams opened lately: their datagrams skip the
 * per-source budget, so that a stream inside a network is not held to the budget the node
 * spends on strangers (500 datagrams/s by default); every other source spends the budget before
 * anything is opened. A source stays trusted for {@link #TTL_MS} after its last datagram that
 * opened. Bounded: the {@link #MAX} most recently trusted. Time is handed in.
 */
public final class TrustedSources {
  /** How long after its last opened datagram a source is trusted. */
  public static final long TTL_MS = 30_000;
  /** Most sources remembered. */
  public static final int MAX = 1024;

  private final Map<InetSocketAddress, Long> lastOpened = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<InetSocketAddress, Long> eldest) {
      return size() > MAX;
    }
  };

  /** Return whether {@code source} may skip the budget at {@code now}. */
  public boolean trusted(InetSocketAddress source, long now) {
    Long at = lastOpened.get(source);
    return at != null && now - at < TTL_MS;
  }

  /** Note that a datagram of {@code source} opened at {@code now}. */
  public void opened(InetSocketAddress source, long now) {
    lastOpened.put(source, now);
  }

  /** Return how many sources are remembered. */
  public int size() {
    return lastOpened.size();
  }
}
