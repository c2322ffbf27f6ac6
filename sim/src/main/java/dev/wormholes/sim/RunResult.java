package dev.wormholes.sim;

import java.util.Map;

/**
 * What one run measured.
 *
 * @param scenario the scenario that ran
 * @param nodes all nodes
 * @param honest nodes running the real engine (the rest are adversaries)
 * @param measurements every measured query
 * @param counters deterministic counters (datagrams, losses, cache hits...), sorted by name
 * @param timeline lookup success per start-time bucket
 * @param medianRttMs median round-trip time between two random nodes in the network model
 * @param perf wall-clock and memory figures (not deterministic: never in the deterministic report)
 * @param connects the NAT layer's connects, or null without a NAT layer ({@code nat.mix} empty)
 */
public record RunResult(Scenario scenario, int nodes, int honest, Measurements measurements,
    Map<String, Long> counters, Timeline timeline, long medianRttMs, Perf perf, Connects connects) {

  /**
   * Performance of the simulator itself.
   *
   * @param events events processed
   * @param runSeconds wall time of the event loop
   * @param setupSeconds wall time of bootstrap and scheduling (identities and engines excluded)
   * @param heapAfterSetup used heap after a full GC once every node was set up, bytes
   * @param peakHeap peak heap during the event loop, bytes
   * @param keygenSeconds wall time of making every key pair (honest ids to the work factor, Sybil ids ground)
   */
  public record Perf(long events, double runSeconds, double setupSeconds, long heapAfterSetup, long peakHeap,
      double keygenSeconds) {
    /** Return events per wall second. */
    public double eventsPerSecond() {
      return runSeconds > 0 ? events / runSeconds : 0;
    }
  }
}
