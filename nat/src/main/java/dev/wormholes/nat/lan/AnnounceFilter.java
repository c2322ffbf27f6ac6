package dev.wormholes.nat.lan;

import dev.wormholes.proto.NodeId;
import java.net.InetAddress;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.function.Predicate;

/**
 * Which heard LAN announces are reported, on the caller's monotonic milliseconds (no clock, no
 * I/O). An announce is unauthenticated, so it is reported only if it is of our network and not our
 * own, its source is on one of our links, its node id was not reported in the last interval, its
 * source IP had fewer than {@link #PER_SOURCE} reports this interval, and fewer than {@link
 * #PER_INTERVAL} were reported this interval in all. Memory: at most {@link #REMEMBERED} ids and
 * as many source IPs.
 */
public final class AnnounceFilter {
  /** Time of one reporting interval: the announce period, which the driver's timer keeps. */
  public static final long INTERVAL_MS = 30_000;
  /** Most reports per interval in all. */
  public static final int PER_INTERVAL = 16;
  /** Most reports per interval per source IP (a few nodes on one host). */
  public static final int PER_SOURCE = 4;
  /** Ids and source IPs remembered at most. */
  public static final int REMEMBERED = 256;

  private final Announce self;
  private final Predicate<InetAddress> onLink;
  // node id -> last report time, oldest first; source IP -> reports this interval
  private final LinkedHashMap<NodeId, Long> reported = new LinkedHashMap<>();
  private final LinkedHashMap<InetAddress, Integer> perSource = new LinkedHashMap<>();
  private long windowStart = Long.MIN_VALUE;
  private int reportsInWindow;

  /** Report announces for {@code self}'s network from sources {@code onLink} accepts. */
  public AnnounceFilter(Announce self, Predicate<InetAddress> onLink) {
    this.self = self;
    this.onLink = onLink;
  }

  /** Return whether announce {@code a} heard from {@code from} at {@code now} is to be reported. */
  public boolean accept(Announce a, InetAddress from, long now) {
    if (a.networkId() != self.networkId() || a.id().equals(self.id()) || !onLink.test(from)) {
      return false;
    }
    if (windowStart == Long.MIN_VALUE || now - windowStart >= INTERVAL_MS) {
      windowStart = now;
      reportsInWindow = 0;
      perSource.clear();
    }
    Long last = reported.get(a.id());
    if ((last != null && now - last < INTERVAL_MS - 1_000) || reportsInWindow >= PER_INTERVAL
        || perSource.getOrDefault(from, 0) >= PER_SOURCE) {
      return false;
    }
    reported.remove(a.id());
    reported.put(a.id(), now);
    trim(reported);
    perSource.merge(from, 1, Integer::sum);
    trim(perSource);
    reportsInWindow++;
    return true;
  }

  private static void trim(LinkedHashMap<?, ?> m) {
    for (Iterator<?> it = m.keySet().iterator(); m.size() > REMEMBERED && it.hasNext(); ) {
      it.next();
      it.remove();
    }
  }
}
