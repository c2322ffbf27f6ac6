package dev.wormholes.sim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every query the workload started and how it ended. Queries are identified by the engine's query
 * id per origin node; their outcome arrives later as a {@code QueryFinished} event.
 */
public final class Measurements {
  /** What a measured query did. */
  public enum Kind { FIND_NODE, GET, PUT }

  /** How a measured query ended. */
  public enum Status {
    /** Not finished when the run ended (a failure). */
    UNFINISHED,
    /** Found what it looked for. */
    OK,
    /** Finished without finding it. */
    FAILED,
    /** GET found only a value older than the newest published one. */
    STALE,
    /** Its origin left the network while it ran (excluded from success rates). */
    ABORTED
  }

  /** One measured query; the outcome fields are set when it finishes. */
  public static final class Query {
    final Kind kind;
    final int origin;
    final int target;
    final long start;
    long end = -1;
    Status status = Status.UNFINISHED;
    int hops;
    int messages;
    int responses;
    int timeouts;
    int acks;

    Query(Kind kind, int origin, int target, long start) {
      this.kind = kind;
      this.origin = origin;
      this.target = target;
      this.start = start;
    }

    /** Return the latency in ms, or -1 if unfinished. */
    public long latency() {
      return end < 0 ? -1 : end - start;
    }

    /** Return the kind. */
    public Kind kind() { return kind; }

    /** Return the status. */
    public Status status() { return status; }

    /** Return the start time in virtual ms. */
    public long start() { return start; }

    /** Return the hop count reported by the engine. */
    public int hops() { return hops; }

    /** Return the messages the engine sent for it. */
    public int messages() { return messages; }

    /** Return how many stores acknowledged (PUT). */
    public int acks() { return acks; }

    /** Return the origin node. */
    public int origin() { return origin; }

    /** Return the target node. */
    public int target() { return target; }

    /** Return the end time, -1 if unfinished. */
    public long end() { return end; }

    /** Return responses received. */
    public int responses() { return responses; }

    /** Return requests that timed out. */
    public int timeouts() { return timeouts; }
  }

  /** Engine query ids are per engine: (origin, id). */
  private record Ref(int origin, long queryId) {}

  private final List<Query> queries = new ArrayList<>();
  private final Map<Ref, Query> pending = new HashMap<>();

  /** Start measuring query {@code queryId} of {@code origin}. */
  public Query started(Kind kind, int origin, int target, long queryId, long now) {
    Query q = new Query(kind, origin, target, now);
    queries.add(q);
    pending.put(new Ref(origin, queryId), q);
    return q;
  }

  /** Return and forget the pending query {@code queryId} of {@code origin}, or null if not measured. */
  public Query finish(int origin, long queryId) {
    return pending.remove(new Ref(origin, queryId));
  }

  /** Return every measured query in start order. */
  public List<Query> all() {
    return Collections.unmodifiableList(queries);
  }

  /** Summary of the queries of one kind. */
  public record Summary(Kind kind, int started, int ok, int failed, int stale, int unfinished, int aborted,
      long[] hops, long[] latency, double messagesMean) {
    /** Return the success rate among queries that were not aborted. */
    public double successRate() {
      int n = started - aborted;
      return n == 0 ? Double.NaN : (double) ok / n;
    }
  }

  /** Summarise the queries of {@code kind}; percentiles are over successful ones. */
  public Summary summarise(Kind kind) {
    int started = 0, ok = 0, failed = 0, stale = 0, unfinished = 0, aborted = 0;
    long msgs = 0;
    int finished = 0;
    List<Long> hops = new ArrayList<>();
    List<Long> lat = new ArrayList<>();
    for (Query q : queries) {
      if (q.kind != kind) continue;
      started++;
      switch (q.status) {
        case OK: ok++; hops.add((long) q.hops); lat.add(q.latency()); break;
        case FAILED: failed++; break;
        case STALE: stale++; break;
        case ABORTED: aborted++; break;
        default: unfinished++;
      }
      if (q.end >= 0 && q.status != Status.ABORTED) {
        msgs += q.messages;
        finished++;
      }
    }
    return new Summary(kind, started, ok, failed, stale, unfinished, aborted, sorted(hops), sorted(lat),
        finished == 0 ? Double.NaN : (double) msgs / finished);
  }

  private static long[] sorted(List<Long> xs) {
    long[] a = new long[xs.size()];
    for (int i = 0; i < a.length; i++) a[i] = xs.get(i);
    Arrays.sort(a);
    return a;
  }

  /** Return the nearest-rank percentile {@code p} (0..100) of sorted {@code xs}, or -1 if empty. */
  public static long percentile(long[] xs, double p) {
    if (xs.length == 0) return -1;
    int rank = (int) Math.ceil(p / 100.0 * xs.length);
    return xs[Math.max(0, Math.min(xs.length - 1, rank - 1))];
  }
}
