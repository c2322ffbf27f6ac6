package dev.wormholes.sim;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Lookup success over virtual time: lookups are counted in the bucket of their start time, so a
 * churn event shows as a dip in the buckets after it. Aborted lookups are not counted.
 */
public final class Timeline {
  private final long bucketMs;
  /** Bucket start (ms) to {ok, counted, sum of latencies of the ok ones}. */
  private final TreeMap<Long, long[]> buckets = new TreeMap<>();

  /** Count in buckets of {@code bucketMs}. */
  public Timeline(long bucketMs) {
    this.bucketMs = bucketMs;
  }

  /** Datagrams sent per minute of virtual time, by minute. */
  private long[] perMinute = new long[16];

  void sent(long now) {
    int m = (int) Math.min(Integer.MAX_VALUE - 1, now / 60_000);
    if (m >= perMinute.length) perMinute = java.util.Arrays.copyOf(perMinute, Math.max(m + 1, perMinute.length * 2));
    perMinute[m]++;
  }

  /** Return datagrams sent in each minute of virtual time (index = minute), up to the last one used. */
  public long[] datagramsPerMinute() {
    int last = perMinute.length;
    while (last > 0 && perMinute[last - 1] == 0) last--;
    return java.util.Arrays.copyOf(perMinute, last);
  }

  void record(long start, Measurements.Status status, long latency) {
    if (status == Measurements.Status.ABORTED) return;
    long[] b = buckets.computeIfAbsent(start / bucketMs * bucketMs, x -> new long[3]);
    if (status == Measurements.Status.OK) {
      b[0]++;
      b[2] += latency;
    }
    b[1]++;
  }

  /** Return the bucket width in ms. */
  public long bucketMs() {
    return bucketMs;
  }

  /** Return bucket start (ms) to {successes, lookups, summed latency of the successes}, in time order. */
  public Map<Long, long[]> buckets() {
    return Collections.unmodifiableMap(buckets);
  }
}
