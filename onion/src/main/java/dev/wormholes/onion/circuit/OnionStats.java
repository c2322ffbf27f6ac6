package dev.wormholes.onion.circuit;

import java.util.EnumMap;
import java.util.Map;

/**
 * A snapshot of an engine's counters and state sizes.
 *
 * @param refusals how many times each {@link Refusal} happened
 * @param circuits circuits held (originated and relayed)
 * @param queuedCreates CREATE2 cells waiting for their handshake
 * @param queuedCells cells waiting in circuit queues for {@code pollTransmit}
 * @param handshakes server handshakes completed
 */
public record OnionStats(
    Map<Refusal, Long> refusals, int circuits, int queuedCreates, int queuedCells, long handshakes) {
  /** Copy the map. */
  public OnionStats {
    refusals = refusals.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(refusals));
  }

  /** Return how many times {@code r} happened. */
  public long refused(Refusal r) {
    return refusals.getOrDefault(r, 0L);
  }

  /** Return the sum of every refusal. */
  public long totalRefused() {
    return refusals.values().stream().mapToLong(Long::longValue).sum();
  }
}
