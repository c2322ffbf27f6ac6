package dev.wormholes.node;

import dev.wormholes.proto.Identity;
import dev.wormholes.proto.KeyProofs;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.random.RandomGenerator;

/**
 * {@link KeyProofs#grind} on several cores: the first start's search for an identity with the
 * network's id work (about {@code 2^bits} key pairs). Worker {@code w} of {@code W} draws key pairs
 * from its own generator; its {@code i}-th draw has the global index {@code i * W + w}, and the
 * result is the draw with the lowest global index that meets the work. Each worker stops once its
 * next index passes the lowest found so far, so the result depends only on the generators and
 * {@code W}, never on thread timing (seeded generators give a reproducible identity), and no draw
 * below the winner's index is skipped.
 */
final class IdGrinder {
  /** Most threads one grind starts. */
  static final int MAX_WORKERS = 16;

  private IdGrinder() {}

  /** Return the number of workers for this machine: its available processors, at most {@link #MAX_WORKERS}. */
  static int workers() {
    return Math.max(1, Math.min(MAX_WORKERS, Runtime.getRuntime().availableProcessors()));
  }

  /**
   * Return the identity with {@code bits} of id work found by {@code workers} threads (at most
   * {@link #MAX_WORKERS}), worker {@code w} drawing from {@code randomOf.apply(w)} (a SecureRandom
   * each in the daemon). One worker grinds on the calling thread, exactly as {@link KeyProofs#grind}.
   * Throw IllegalStateException if the calling thread is interrupted (the workers stop too).
   */
  static Identity grind(int bits, int workers, IntFunction<RandomGenerator> randomOf) {
    int n = Math.max(1, Math.min(MAX_WORKERS, workers));
    if (n == 1) {
      return KeyProofs.grind(randomOf.apply(0), bits, null);
    }
    AtomicLong best = new AtomicLong(Long.MAX_VALUE);
    Identity[] found = new Identity[n];
    Thread[] threads = new Thread[n];
    for (int w = 0; w < n; w++) {
      int worker = w;
      RandomGenerator random = randomOf.apply(w);
      threads[w] = new Thread(() -> {
        for (long index = worker; index < best.get(); index += n) {
          Identity id = Identity.generate(random);
          if (KeyProofs.meetsWork(id.id(), bits)) {
            found[worker] = id;
            best.accumulateAndGet(index, Math::min);
            return;
          }
        }
      }, "wh-id-grind-" + w);
      threads[w].setDaemon(true);
      threads[w].start();
    }
    try {
      for (Thread t : threads) {
        t.join();
      }
    } catch (InterruptedException e) {
      best.set(-1); // every worker stops at its next draw
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while grinding an identity", e);
    }
    return found[(int) (best.get() % n)];
  }
}
