package dev.wormholes.proto;

import java.util.SplittableRandom;

/**
 * What the id work factor ({@code DhtConfig.idWorkBits}, {@link KeyProofs#work}) costs: the time
 * to make one identity at 0 bits (the baseline) and at each factor given, measured in the same run,
 * and their ratio (about 2^bits). An eclipse needs ids sharing p bits with the target, so each
 * such id costs 2^(p + bits) key generations.
 *
 * <pre>
 * ./mvnw -q -pl proto test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.wormholes.proto.IdWorkBenchmark [-Dexec.args="SECONDS BITS..."]
 * </pre>
 */
public final class IdWorkBenchmark {
  private IdWorkBenchmark() {}

  /** Run: args = seconds per measurement (default 5), then work factors (default 4 8 12). */
  public static void main(String[] args) {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
    int[] factors = {4, 8, 12};
    if (args.length > 1) {
      factors = new int[args.length - 1];
      for (int i = 1; i < args.length; i++) factors[i - 1] = Integer.parseInt(args[i]);
    }
    SplittableRandom random = new SplittableRandom(1);
    secondsPerId(0, seconds, random); // warm-up (JIT), not counted
    double base = secondsPerId(0, seconds, random);
    System.out.printf("0 bits: %.1f us per identity (%.0f/s)%n", base * 1e6, 1 / base);
    for (int bits : factors) {
      double t = secondsPerId(bits, seconds, random);
      System.out.printf("%d bits: %.3f ms per identity, %.0fx the baseline (2^%d = %d)%n",
          bits, t * 1e3, t / base, bits, 1L << bits);
    }
  }

  private static double secondsPerId(int bits, double seconds, SplittableRandom random) {
    long start = System.nanoTime();
    long deadline = start + (long) (seconds * 1e9);
    int made = 0;
    while (System.nanoTime() < deadline || made == 0) {
      while (!KeyProofs.meetsWork(Identity.generate(random).id(), bits)) { }
      made++;
    }
    return (System.nanoTime() - start) / 1e9 / made;
  }
}
