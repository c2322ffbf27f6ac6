package dev.wormholes.onion.circuit;

/**
 * An {@link OnionEngine}'s limits. Times are milliseconds of the driver's monotonic clock.
 *
 * @param buildTimeoutMs how long a build may take before it fails
 * @param maxExtends most RELAY_EARLY cells (so extends) per circuit, Tor's 8
 * @param createBurst a neighbour's CREATE2 token bucket size
 * @param createsPerSecond its refill rate
 * @param handshakesPerTick most server handshakes per tick
 * @param tickMs the tick length
 * @param maxQueuedCreates most CREATE2 cells waiting for a handshake
 * @param maxCreateDelayMs a CREATE2 that waited longer is dropped unanswered
 * @param maxQueueCells most cells queued per circuit for {@code pollTransmit}; the oldest are
 *     evicted beyond it
 * @param maxCircuitsPerNeighbour most circuits a neighbour may have created here
 * @param maxCircuits most circuits in total (originated, relayed and queued creates)
 */
public record OnionConfig(
    long buildTimeoutMs,
    int maxExtends,
    int createBurst,
    double createsPerSecond,
    int handshakesPerTick,
    long tickMs,
    int maxQueuedCreates,
    long maxCreateDelayMs,
    int maxQueueCells,
    int maxCircuitsPerNeighbour,
    int maxCircuits) {

  /** Check the ranges. */
  public OnionConfig {
    if (buildTimeoutMs <= 0 || maxExtends < 0 || maxExtends > 8 || createBurst < 1
        || createsPerSecond <= 0 || handshakesPerTick < 1 || tickMs < 1 || maxQueuedCreates < 1
        || maxCreateDelayMs < 0 || maxQueueCells < 1 || maxCircuitsPerNeighbour < 1 || maxCircuits < 1) {
      throw new IllegalArgumentException("onion limits out of range");
    }
  }

  /**
   * Defaults: 10 s build timeout, 8 extends, 20 creates burst at 5/s per neighbour, 50 handshakes
   * per 10 ms tick (~190 us each: at most about the whole tick), 500 queued creates that may wait
   * 1 s, 2048 cells (1 MiB) per circuit queue, 1000 circuits per neighbour, 20 000 in total.
   */
  public static OnionConfig defaults() {
    return new OnionConfig(10_000, 8, 20, 5, 50, 10, 500, 1_000, 2048, 1_000, 20_000);
  }
}
