package dev.wormholes.proto;

import com.google.crypto.tink.subtle.Ed25519Verify;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Raw Ed25519 verifications per second, one thread, every candidate in one JMH run, each against
 * the same 256 distinct (key, message, signature) triples of a presence-record size (200 bytes
 * after the domain):
 *
 * <ul>
 *   <li>{@code bcBytes}: Bouncy Castle's {@code Ed25519.verify} from the 32 key bytes, decoding the
 *       point each time (the baseline).
 *   <li>{@code bcPoint}: the same with the key decoded once into an {@code Ed25519.PublicPoint}.
 *   <li>{@code identity}: {@link Identity#verify} as it is now, every key in its decoded-key cache.
 *   <li>{@code identityMiss}: {@link Identity#verify} cycling through twice as many keys as its cache
 *       holds, so that every key misses (decoded, remembered, evicted).
 *   <li>{@code jdk}: the JDK's {@code Signature("Ed25519")} with a decoded {@code PublicKey}.
 *   <li>{@code tink}: Tink's {@code Ed25519Verify} built once per key.
 * </ul>
 *
 * <p>No library on hand offers batch verification. Every call must return true (checked), so none
 * can skip work. Prints ops/s per candidate and each one's ratio to {@code bcBytes}, the verification
 * {@link Identity#verify} did without a key cache:
 *
 * <pre>
 * ./mvnw -q -B -o -pl proto test-compile dependency:build-classpath -Dmdep.outputFile=cp.txt -Dmdep.includeScope=test
 * java -cp proto/target/test-classes:proto/target/classes:$(cat proto/cp.txt) \
 *     dev.wormholes.proto.Ed25519VerifyBenchmark [ITERATIONS SECONDS ROUNDS]
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class Ed25519VerifyBenchmark {
  private static final int N = 256;
  private static final int MISS_N = 2 * Identity.DECODED_KEY_CAPACITY; // a power of two
  private static final byte[] DOMAIN = DhtValues.PRESENCE_DOMAIN;

  private final byte[][] keys = new byte[N][];
  private final byte[][] messages = new byte[N][];
  private final byte[][] signed = new byte[N][];
  private final byte[][] sigs = new byte[N][];
  private final Ed25519.PublicPoint[] points = new Ed25519.PublicPoint[N];
  private final PublicKey[] jdkKeys = new PublicKey[N];
  private final Ed25519Verify[] tink = new Ed25519Verify[N];
  private final byte[][] missKeys = new byte[MISS_N][];
  private final byte[][] missMessages = new byte[MISS_N][];
  private final byte[][] missSigs = new byte[MISS_N][];
  private Signature jdk;
  private int next;
  private int nextMiss;

  /** Make the triples and each candidate's decoded keys. */
  @Setup(Level.Trial)
  public void setUp() throws GeneralSecurityException {
    SplittableRandom random = new SplittableRandom(8032);
    KeyFactory factory = KeyFactory.getInstance("Ed25519");
    byte[] spkiPrefix = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    for (int i = 0; i < N; i++) {
      byte[] seed = new byte[32];
      random.nextBytes(seed);
      Identity id = Identity.fromSeed(seed);
      keys[i] = id.publicKey();
      messages[i] = new byte[200];
      random.nextBytes(messages[i]);
      sigs[i] = id.sign(DOMAIN, messages[i]);
      signed[i] = new byte[DOMAIN.length + 200];
      System.arraycopy(DOMAIN, 0, signed[i], 0, DOMAIN.length);
      System.arraycopy(messages[i], 0, signed[i], DOMAIN.length, 200);
      points[i] = Ed25519.validatePublicKeyPartialExport(keys[i], 0);
      byte[] spki = new byte[44];
      System.arraycopy(spkiPrefix, 0, spki, 0, 12);
      System.arraycopy(keys[i], 0, spki, 12, 32);
      jdkKeys[i] = factory.generatePublic(new X509EncodedKeySpec(spki));
      tink[i] = new Ed25519Verify(keys[i]);
    }
    for (int i = 0; i < MISS_N; i++) {
      byte[] seed = new byte[32];
      random.nextBytes(seed);
      Identity id = Identity.fromSeed(seed);
      missKeys[i] = id.publicKey();
      missMessages[i] = messages[i & (N - 1)];
      missSigs[i] = id.sign(DOMAIN, missMessages[i]);
    }
    jdk = Signature.getInstance("Ed25519");
  }

  private int index() {
    int i = next;
    next = (i + 1) & (N - 1);
    return i;
  }

  private static boolean checked(boolean ok) {
    if (!ok) {
      throw new AssertionError("a valid signature failed to verify");
    }
    return true;
  }

  /** Bouncy Castle from the key bytes (the baseline). */
  @Benchmark
  public boolean bcBytes() {
    int i = index();
    return checked(Ed25519.verify(sigs[i], 0, keys[i], 0, signed[i], 0, signed[i].length));
  }

  /** Bouncy Castle with the key decoded once. */
  @Benchmark
  public boolean bcPoint() {
    int i = index();
    return checked(Ed25519.verify(sigs[i], 0, points[i], signed[i], 0, signed[i].length));
  }

  /** {@link Identity#verify}: domain concatenation, the decoded-key cache, Bouncy Castle. */
  @Benchmark
  public boolean identity() {
    int i = index();
    return checked(Identity.verify(keys[i], DOMAIN, messages[i], sigs[i]));
  }

  /** {@link Identity#verify} with a key its cache does not hold. */
  @Benchmark
  public boolean identityMiss() {
    int i = nextMiss;
    nextMiss = (i + 1) & (MISS_N - 1);
    return checked(Identity.verify(missKeys[i], DOMAIN, missMessages[i], missSigs[i]));
  }

  /** The JDK's Ed25519 with a decoded key. */
  @Benchmark
  public boolean jdk() throws GeneralSecurityException {
    int i = index();
    jdk.initVerify(jdkKeys[i]);
    jdk.update(signed[i]);
    return checked(jdk.verify(sigs[i]));
  }

  /** Tink's Ed25519 verifier, one per key. */
  @Benchmark
  public boolean tink() {
    int i = index();
    try {
      tink[i].verify(sigs[i], signed[i]);
      return true;
    } catch (GeneralSecurityException e) {
      return checked(false);
    }
  }

  /**
   * Run every candidate in one JMH fork (skipped when ITERATIONS is 0), then the interleaved
   * per-CPU-second pass of ROUNDS rounds, and print ops/s and the ratios to {@code bcBytes}.
   */
  public static void main(String[] args) throws RunnerException {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 11;
    Map<String, Double> rates = iterations > 0 ? jmhRates(iterations, seconds) : Map.of();
    Map<String, Double> cpuRates = cpuRates(rounds);
    double baseline = rates.getOrDefault("bcBytes", Double.NaN);
    double cpuBaseline = cpuRates.get("bcBytes");
    System.out.println();
    System.out.println("Ed25519 verifications per second, one thread: JMH (wall time) and per CPU-second"
        + " (median of " + rounds + " interleaved rounds), each with its ratio to bcBytes:");
    for (String name : cpuRates.keySet()) {
      String wall = rates.containsKey(name)
          ? String.format("%10.0f /s  %5.2fx", rates.get(name), rates.get(name) / baseline) : "    (no JMH run)";
      System.out.printf("  %-12s %s   %10.0f /cpu-s  %5.2fx%n", name, wall, cpuRates.get(name),
          cpuRates.get(name) / cpuBaseline);
    }
    System.out.printf("Identity.verify per CPU-second, cached / uncached (bcBytes): key in the cache %.3f,"
        + " key missing %.3f%n", cpuRates.get("identity") / cpuBaseline, cpuRates.get("identityMiss") / cpuBaseline);
  }

  /** Return each candidate's JMH throughput (ops per wall second), one fork. */
  private static Map<String, Double> jmhRates(int iterations, int seconds) throws RunnerException {
    forkWithThisClassPath();
    Options options = new OptionsBuilder()
        .include(Ed25519VerifyBenchmark.class.getName() + "\\.")
        .forks(1)
        .threads(1)
        .warmupIterations(2)
        .warmupTime(TimeValue.seconds(1))
        .measurementIterations(iterations)
        .measurementTime(TimeValue.seconds(seconds))
        .build();
    Map<String, Double> rates = new LinkedHashMap<>();
    for (RunResult r : new Runner(options).run()) {
      String name = r.getParams().getBenchmark();
      rates.put(name.substring(name.lastIndexOf('.') + 1), r.getPrimaryResult().getScore());
    }
    return rates;
  }

  /**
   * Under {@code exec:java} the classes come from a class loader, not {@code java.class.path}, and
   * JMH's fork is started with {@code java.class.path}: hand it the loader's path.
   */
  private static void forkWithThisClassPath() {
    if (Thread.currentThread().getContextClassLoader() instanceof java.net.URLClassLoader loader) {
      StringBuilder path = new StringBuilder();
      for (java.net.URL url : loader.getURLs()) {
        path.append(path.length() == 0 ? "" : java.io.File.pathSeparator).append(url.getPath());
      }
      System.setProperty("java.class.path", path.toString());
    }
  }

  /** Named calls of one candidate. */
  private interface Call {
    boolean run() throws Exception;
  }

  /**
   * Per CPU-second rates of this thread, the candidates interleaved round by round, so the load of
   * a shared machine does not favour the one that ran in a quiet minute.
   */
  private static Map<String, Double> cpuRates(int rounds) {
    java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
    Ed25519VerifyBenchmark b = new Ed25519VerifyBenchmark();
    try {
      b.setUp();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    Map<String, Call> calls = new LinkedHashMap<>();
    calls.put("bcBytes", b::bcBytes);
    calls.put("bcPoint", b::bcPoint);
    calls.put("identity", b::identity);
    calls.put("identityMiss", b::identityMiss);
    calls.put("jdk", b::jdk);
    calls.put("tink", b::tink);
    Map<String, double[]> samples = new LinkedHashMap<>();
    calls.keySet().forEach(k -> samples.put(k, new double[rounds]));
    long roundNanos = 300_000_000L; // of CPU per candidate and round
    try {
      for (int r = -2; r < rounds; r++) { // two rounds of warm-up
        for (Map.Entry<String, Call> e : calls.entrySet()) {
          for (int i = 0; i < N; i++) {
            e.getValue().run(); // untimed: refills the key cache another candidate emptied
          }
          long start = cpu.getCurrentThreadCpuTime();
          long spent;
          int done = 0;
          do {
            for (int i = 0; i < 100; i++) {
              e.getValue().run();
            }
            done += 100;
            spent = cpu.getCurrentThreadCpuTime() - start;
          } while (spent < roundNanos);
          if (r >= 0) {
            samples.get(e.getKey())[r] = done * 1e9 / spent;
          }
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    Map<String, Double> medians = new LinkedHashMap<>();
    samples.forEach((k, v) -> {
      java.util.Arrays.sort(v);
      medians.put(k, v[v.length / 2]);
    });
    return medians;
  }
}
