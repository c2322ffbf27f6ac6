package dev.wormholes.sim;

import java.util.random.RandomGenerator;

/**
 * The simulated Internet: every node sits at a point of the unit square; the one-way delay
 * between two nodes is {@code baseMs + spanMs * distance / sqrt(2)} plus uniform jitter in
 * {@code [0, jitterMs]}; each datagram is lost with probability {@code loss}; optionally every
 * node's uplink sends at most {@code uplinkKbps}, so datagrams queue behind each other.
 */
public final class NetworkModel {
  private final float[] x;
  private final float[] y;
  private final double baseMs;
  private final double spanMs;
  private final int jitterMs;
  private final double loss;
  private final double bytesPerMs;
  /** Per node: virtual time at which its uplink is free again (only with an uplink limit). */
  private final long[] uplinkFreeAt;

  /** Place {@code nodes} nodes uniformly at random using {@code random}. */
  public NetworkModel(int nodes, RandomGenerator random, double baseMs, double spanMs, int jitterMs,
      double loss, int uplinkKbps) {
    x = new float[nodes];
    y = new float[nodes];
    for (int i = 0; i < nodes; i++) {
      x[i] = random.nextFloat();
      y[i] = random.nextFloat();
    }
    this.baseMs = baseMs;
    this.spanMs = spanMs;
    this.jitterMs = jitterMs;
    this.loss = loss;
    this.bytesPerMs = uplinkKbps > 0 ? uplinkKbps / 8.0 : 0;
    this.uplinkFreeAt = uplinkKbps > 0 ? new long[nodes] : null;
  }

  /** Return the one-way propagation delay from {@code a} to {@code b} in ms, without jitter. */
  public long delayMs(int a, int b) {
    double dx = x[a] - x[b];
    double dy = y[a] - y[b];
    return Math.round(baseMs + spanMs * Math.sqrt((dx * dx + dy * dy) / 2));
  }

  /**
   * Return when a datagram of {@code bytes} sent by {@code from} to {@code to} at {@code now}
   * arrives, or -1 if it is lost. Draws from {@code random} in a fixed order (determinism).
   */
  public long arrival(int from, int to, int bytes, long now, RandomGenerator random) {
    if (loss > 0 && random.nextDouble() < loss) {
      return -1;
    }
    long depart = now;
    if (uplinkFreeAt != null) {
      depart = Math.max(now, uplinkFreeAt[from]);
      uplinkFreeAt[from] = depart + (long) Math.ceil(bytes / bytesPerMs);
    }
    long jitter = jitterMs > 0 ? random.nextInt(jitterMs + 1) : 0;
    return depart + delayMs(from, to) + jitter;
  }

  /** Return the median round-trip time over {@code samples} random pairs (for the ideal). */
  public long medianRttMs(int samples, RandomGenerator random) {
    int n = x.length;
    long[] rtt = new long[samples];
    for (int i = 0; i < samples; i++) {
      int a = random.nextInt(n);
      int b = random.nextInt(n);
      rtt[i] = 2 * delayMs(a, b) + jitterMs; // two jitter draws average jitterMs in total
    }
    java.util.Arrays.sort(rtt);
    return rtt[samples / 2];
  }
}
