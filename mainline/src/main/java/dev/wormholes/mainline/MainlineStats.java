package dev.wormholes.mainline;

import java.util.Map;

/**
 * Counters of a {@link MainlineEngine} (a snapshot).
 *
 * @param datagramsIn datagrams handed in
 * @param queriesSent queries sent (every method)
 * @param responses responses matched to a query of ours
 * @param errors error replies matched to a query of ours
 * @param timeouts queries that got no answer in time
 * @param answered queries of others answered
 * @param storesAcked announce_peer and put queries acknowledged
 * @param drops datagrams dropped, by reason
 */
public record MainlineStats(long datagramsIn, long queriesSent, long responses, long errors, long timeouts,
    long answered, long storesAcked, Map<MainlineDrop, Long> drops) {

  /** Return the dropped datagrams for {@code reason}. */
  public long dropped(MainlineDrop reason) {
    return drops.getOrDefault(reason, 0L);
  }

  /** Return every dropped datagram. */
  public long droppedTotal() {
    return drops.values().stream().mapToLong(Long::longValue).sum();
  }
}
