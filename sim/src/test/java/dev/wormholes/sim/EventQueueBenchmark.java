package dev.wormholes.sim;

import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * Events per second of {@link EventQueue} against a plain {@code PriorityQueue<Event>} loop, both
 * holding {@code PENDING} (default 1 M) events: each step pops the earliest event and pushes a new
 * one a random delay later (the "hold" model of a discrete-event simulation). Prints both rates and
 * their ratio (the target is at least 2x).
 *
 * <p>Run: {@code ./mvnw -q -pl sim test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.wormholes.sim.EventQueueBenchmark [-Dexec.args="1000000 5000000"]}
 */
public final class EventQueueBenchmark {
  private EventQueueBenchmark() {}

  /** A boxed event, as a straightforward simulator would have it. */
  private record Event(long time, long seq, long payload) implements Comparable<Event> {
    @Override
    public int compareTo(Event o) {
      int c = Long.compare(time, o.time);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }

  /** Args: pending events [1000000], hold steps per round [5000000]. */
  public static void main(String[] args) {
    int pending = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 5_000_000;
    double ours = 0;
    double theirs = 0;
    for (int round = 0; round < 3; round++) { // round 0 is warm-up for the JIT
      theirs = referenceRate(pending, steps, 42 + round);
      ours = ourRate(pending, steps, 42 + round);
      System.out.printf("round %d: EventQueue %.2f M events/s, PriorityQueue<Event> %.2f M events/s, ratio %.2fx%n",
          round, ours / 1e6, theirs / 1e6, ours / theirs);
    }
    System.out.printf("pending=%d steps=%d  final ratio %.2fx (target >= 2x)%n", pending, steps, ours / theirs);
  }

  private static double ourRate(int pending, int steps, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    EventQueue q = new EventQueue(pending + 1);
    for (int i = 0; i < pending; i++) {
      q.push(r.nextLong(100_000), i);
    }
    long sink = 0;
    long t0 = System.nanoTime();
    for (int i = 0; i < steps; i++) {
      long p = q.pop();
      q.push(q.lastTime() + 1 + r.nextLong(100_000), p + 1);
      sink += p;
    }
    long ns = System.nanoTime() - t0;
    if (sink == 42) {
      System.out.print("");
    }
    return steps * 1e9 / ns;
  }

  private static double referenceRate(int pending, int steps, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    PriorityQueue<Event> q = new PriorityQueue<>(pending + 1);
    long seq = 0;
    for (int i = 0; i < pending; i++) {
      q.add(new Event(r.nextLong(100_000), seq++, i));
    }
    long sink = 0;
    long t0 = System.nanoTime();
    for (int i = 0; i < steps; i++) {
      Event e = q.poll();
      q.add(new Event(e.time() + 1 + r.nextLong(100_000), seq++, e.payload() + 1));
      sink += e.payload();
    }
    long ns = System.nanoTime() - t0;
    if (sink == 42) {
      System.out.print("");
    }
    return steps * 1e9 / ns;
  }
}
