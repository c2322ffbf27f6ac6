package dev.wormholes.nat.relay;

/**
 * The limits of a {@link RelayServer}: generous for real use, but every one bounds memory or
 * bandwidth. There is deliberately no cap on a circuit's total bytes or lifetime (libp2p's circuit
 * relay v2 defaults of 128 KiB and 2 minutes per relayed connection are a known complaint):
 * a circuit lives as long as it carries traffic, at a rate a person copying a large file through
 * it would not notice on a home uplink.
 *
 * @param maxCircuits circuits in all, pending ones included (bounds memory: a circuit is a few
 *     hundred bytes, so the default 4096 stays around a megabyte)
 * @param maxCircuitsPerIp circuits one requester IP (an IPv6 /64) may hold, pending included
 * @param maxCircuitsPerTarget circuits one target node may be the far end of
 * @param circuitBytesPerSecond sustained rate of one circuit, both directions together
 * @param circuitBurstBytes bucket depth of one circuit
 * @param ipBytesPerSecond sustained rate of everything one IP (an IPv6 /64) sends through the relay
 * @param ipBurstBytes bucket depth of one IP
 * @param pendingTimeoutMs how long an open waits for the target's Accept
 * @param idleTimeoutMs how long an established circuit lives without Data from either end
 * @param incomingResendMs least time between two Incoming notifications of one pending circuit
 */
public record RelayLimits(int maxCircuits, int maxCircuitsPerIp, int maxCircuitsPerTarget,
    long circuitBytesPerSecond, long circuitBurstBytes, long ipBytesPerSecond, long ipBurstBytes,
    long pendingTimeoutMs, long idleTimeoutMs, long incomingResendMs) {

  /** Check every limit is positive. */
  public RelayLimits {
    if (maxCircuits < 1 || maxCircuitsPerIp < 1 || maxCircuitsPerTarget < 1
        || circuitBytesPerSecond < 1 || circuitBurstBytes < RelayCodec.MAX_DATAGRAM
        || ipBytesPerSecond < 1 || ipBurstBytes < RelayCodec.MAX_DATAGRAM
        || pendingTimeoutMs < 1 || idleTimeoutMs < 1 || incomingResendMs < 0) {
      throw new IllegalArgumentException("relay limits must be positive, bursts >= one datagram: " + this);
    }
  }

  /**
   * Return the defaults: 4096 circuits, 64 per requester IP, 128 per target; 16 MiB/s per circuit
   * and 32 MiB/s per IP, each with a burst of one second's worth; opens wait 3 s for the target;
   * circuits idle for 120 s close (QUIC connections close after 30 s idle, so a live connection
   * always keeps its circuit).
   *
   * <p>Why bursts of a whole second: a relay whose event loop stalls (a loaded machine, a GC)
   * finds a socket buffer's worth of datagrams (4 MiB in the node) waiting and takes them at
   * once; a 4 MiB bucket dropped thousands of them while the circuit averaged a third of the
   * limit, and QUIC's congestion control kept it there (measured with {@code RelayBenchmark},
   * node/README.md). The sustained rate stays the limit.
   */
  public static RelayLimits defaults() {
    return new RelayLimits(4096, 64, 128, 16L << 20, 16L << 20, 32L << 20, 32L << 20,
        3_000, 120_000, 250);
  }

  /**
   * Return the circuits one requester IP (IPv6 /64) may hold to one target: a sixteenth of the
   * target's quota, at least 2, so that it takes 16 requester networks to fill a target's quota.
   */
  public int maxCircuitsPerIpPerTarget() {
    return Math.max(2, maxCircuitsPerTarget / 16);
  }

  /** Return these limits with other circuit counts. */
  public RelayLimits withCircuits(int total, int perIp, int perTarget) {
    return new RelayLimits(total, perIp, perTarget, circuitBytesPerSecond, circuitBurstBytes,
        ipBytesPerSecond, ipBurstBytes, pendingTimeoutMs, idleTimeoutMs, incomingResendMs);
  }

  /** Return these limits with other byte rates and bursts. */
  public RelayLimits withRates(long circuitRate, long circuitBurst, long ipRate, long ipBurst) {
    return new RelayLimits(maxCircuits, maxCircuitsPerIp, maxCircuitsPerTarget, circuitRate,
        circuitBurst, ipRate, ipBurst, pendingTimeoutMs, idleTimeoutMs, incomingResendMs);
  }

  /** Return these limits with other timeouts. */
  public RelayLimits withTimeouts(long pendingMs, long idleMs) {
    return new RelayLimits(maxCircuits, maxCircuitsPerIp, maxCircuitsPerTarget,
        circuitBytesPerSecond, circuitBurstBytes, ipBytesPerSecond, ipBurstBytes, pendingMs, idleMs,
        incomingResendMs);
  }
}
