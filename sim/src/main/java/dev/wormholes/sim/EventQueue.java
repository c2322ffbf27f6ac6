package dev.wormholes.sim;

import java.util.Arrays;

/**
 * A priority queue of simulation events: a 4-ary min-heap over primitive arrays, ordered by time
 * and then by insertion order (FIFO among equal times, which is what makes runs deterministic).
 *
 * <p>An event is a {@code long} time and a {@code long} payload that the caller interprets (an
 * event kind and an index into its own tables). Nothing is allocated per event: at a million
 * pending events the heap is three arrays of longs, which is why it beats a {@link
 * java.util.PriorityQueue} of event objects (see {@code EventQueueBenchmark}). A 4-ary heap halves
 * the depth of a binary one and keeps a node's children in one or two cache lines.
 *
 * <p>Not thread-safe: one simulation thread owns it.
 */
public final class EventQueue {
  private static final int ARITY = 4;

  // Parallel arrays indexed by heap slot; slots [0, size) are live.
  private long[] times;
  private long[] seqs;
  private long[] payloads;
  private int size;
  /** Sequence number of the next push; ties in time pop in push order. */
  private long nextSeq;
  /** Time of the event most recently returned by {@link #pop()}. */
  private long lastTime;

  /** Create an empty queue with room for {@code capacity} events before it grows. */
  public EventQueue(int capacity) {
    int c = Math.max(16, capacity);
    times = new long[c];
    seqs = new long[c];
    payloads = new long[c];
  }

  /** Return the number of pending events. */
  public int size() {
    return size;
  }

  /** Return whether no event is pending. */
  public boolean isEmpty() {
    return size == 0;
  }

  /** Add an event at {@code time} carrying {@code payload}. */
  public void push(long time, long payload) {
    if (size == times.length) {
      grow();
    }
    siftUp(size++, time, nextSeq++, payload);
  }

  /** Return the time of the earliest event; throw if the queue is empty. */
  public long peekTime() {
    requireNonEmpty();
    return times[0];
  }

  /**
   * Remove the earliest event and return its payload; its time is then {@link #lastTime()}. Throw
   * if the queue is empty.
   */
  public long pop() {
    requireNonEmpty();
    long payload = payloads[0];
    lastTime = times[0];
    int last = --size;
    if (last > 0) {
      siftDown(0, times[last], seqs[last], payloads[last]);
    }
    return payload;
  }

  /** Return the time of the event most recently popped (0 before the first pop). */
  public long lastTime() {
    return lastTime;
  }

  private void requireNonEmpty() {
    if (size == 0) {
      throw new IllegalStateException("event queue is empty");
    }
  }

  private void grow() {
    int c = times.length + (times.length >> 1);
    times = Arrays.copyOf(times, c);
    seqs = Arrays.copyOf(seqs, c);
    payloads = Arrays.copyOf(payloads, c);
  }

  private static boolean before(long t1, long s1, long t2, long s2) {
    return t1 < t2 || (t1 == t2 && s1 < s2);
  }

  private void siftUp(int slot, long t, long s, long p) {
    int i = slot;
    while (i > 0) {
      int parent = (i - 1) / ARITY;
      if (!before(t, s, times[parent], seqs[parent])) {
        break;
      }
      set(i, times[parent], seqs[parent], payloads[parent]);
      i = parent;
    }
    set(i, t, s, p);
  }

  private void siftDown(int slot, long t, long s, long p) {
    int i = slot;
    while (true) {
      int first = ARITY * i + 1;
      if (first >= size) {
        break;
      }
      int best = first;
      int end = Math.min(first + ARITY, size);
      for (int c = first + 1; c < end; c++) {
        if (before(times[c], seqs[c], times[best], seqs[best])) {
          best = c;
        }
      }
      if (!before(times[best], seqs[best], t, s)) {
        break;
      }
      set(i, times[best], seqs[best], payloads[best]);
      i = best;
    }
    set(i, t, s, p);
  }

  private void set(int i, long t, long s, long p) {
    times[i] = t;
    seqs[i] = s;
    payloads[i] = p;
  }
}
