package dev.wormholes.node;

import dev.wormholes.proto.Identity;
import dev.wormholes.proto.KeyProofs;
import java.security.SecureRandom;

/**
 * The first start's grind for an identity with the id work, one thread ({@link KeyProofs#grind},
 * the baseline) against every core ({@link IdGrinder}, {@link IdGrinder#workers()} threads), both
 * with SecureRandom as the daemon draws, measured in the same run; prints wall and CPU time per
 * identity, their ratios, and how many cores the process kept busy (on a loaded machine that, not
 * the thread count, sets the wall time). proto's {@code IdWorkBenchmark} measures the cost per bit on one thread.
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
    double[] one = secondsPerId(bits, 1, seconds, random);
    double[] all = secondsPerId(bits, workers, seconds, random);
    System.out.printf("%d bits, %d available processors: one thread %.1f ms per identity (%.1f ms of CPU), %d threads"
        + " %.1f ms (%.1f ms of CPU): %.2fx faster, %.2fx the CPU; cores busy %.2f vs %.2f%n",
        bits, Runtime.getRuntime().availableProcessors(), one[0] * 1e3, one[1] * 1e3, workers, all[0] * 1e3,
        all[1] * 1e3, one[0] / all[0], all[1] / one[1], one[1] / one[0], all[1] / all[0]);
  }

  // Wall seconds and process CPU seconds per identity. On a busy machine the CPU the process gets,
  // not its thread count, bounds the wall time: "cores busy" says how much it got.
  private static double[] secondsPerId(int bits, int workers, double seconds, SecureRandom random) {
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    long cpuStart = os.getProcessCpuTime();
    long start = System.nanoTime();
    long deadline = start + (long) (seconds * 1e9);
    int made = 0;
    while (System.nanoTime() < deadline || made == 0) {
      Identity id = workers == 1 ? KeyProofs.grind(random, bits, null) : IdGrinder.grind(bits, workers, w -> new SecureRandom());
      if (!KeyProofs.meetsWork(id.id(), bits)) throw new AssertionError("no work");
      made++;
    }
    return new double[] {(System.nanoTime() - start) / 1e9 / made, (os.getProcessCpuTime() - cpuStart) / 1e9 / made};
  }
}
