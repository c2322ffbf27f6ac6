package dev.wormholes.node;

import dev.wormholes.proto.Identity;
import dev.wormholes.proto.KeyProofs;
import java.security.SecureRandom;

/**
 * The first start's grind for an identity with the id work, one thread ({@link KeyProofs#grind},
 * the baseline) against every core ({@link IdGrinder}, {@link IdGrinder#workers()} threads), both
 * with SecureRandom as the daemon draws, measured in the same run; prints time per identity and
 * the ratio. proto's {@code IdWorkBenchmark} measures the cost per bit on one thread.
 *
 * <pre>
 * ./mvnw -q -pl node test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.wormholes.node.IdGrindBenchmark [-Dexec.args="SECONDS BITS"]
 * </pre>
 */
public final class IdGrindBenchmark {
  private IdGrindBenchmark() {}

  /** Run: args = seconds per measurement (default 10), work factor (default 12). */
  public static void main(String[] args) {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 10;
    int bits = args.length > 1 ? Integer.parseInt(args[1]) : 12;
    int workers = IdGrinder.workers();
    SecureRandom random = new SecureRandom();
    secondsPerId(bits, 1, seconds / 4, random); // warm-up (JIT), not counted
    secondsPerId(bits, workers, seconds / 4, random);
    double one = secondsPerId(bits, 1, seconds, random);
    double all = secondsPerId(bits, workers, seconds, random);
    System.out.printf("%d bits, %d available processors: one thread %.1f ms per identity, %d threads %.1f ms"
        + " (%.2fx faster)%n", bits, Runtime.getRuntime().availableProcessors(), one * 1e3, workers, all * 1e3, one / all);
  }

  private static double secondsPerId(int bits, int workers, double seconds, SecureRandom random) {
    long start = System.nanoTime();
    long deadline = start + (long) (seconds * 1e9);
    int made = 0;
    while (System.nanoTime() < deadline || made == 0) {
      Identity id = workers == 1 ? KeyProofs.grind(random, bits, null) : IdGrinder.grind(bits, workers, w -> new SecureRandom());
      if (!KeyProofs.meetsWork(id.id(), bits)) throw new AssertionError("no work");
      made++;
    }
    return (System.nanoTime() - start) / 1e9 / made;
  }
}
