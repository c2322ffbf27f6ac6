package dev.wormholes.proto;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.wormholes.proto.wire.EndpointKind;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.ReachEndpoint;
import dev.wormholes.proto.wire.SignedPresence;
import dev.wormholes.proto.wire.StoredValue;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Presence-record verifications per second: {@link DhtValues#check} (Bouncy Castle Ed25519) against
 * the same check with the JDK's {@code Signature.getInstance("Ed25519")}, in one run, one thread.
 *
 * <p>Both sides do the whole check a holder does for a record from the wire: size limits, parse,
 * key-to-id binding, expiry, and the signature over the domain-separated bytes, starting from the
 * 32 public-key bytes (the JDK side decodes them into a {@code PublicKey} each time, as BC decodes
 * the point each time). Every check must return OK, so neither side can skip work. Rates are per
 * second of the benchmark thread's CPU time, so that the load of a shared machine does not skew the
 * ratio; per-wall-second rates are printed alongside. A third figure: BC through a {@link
 * CachingValidator}, each record checked 20 times in a row (a GET that sees it from 20 holders),
 * counted per check.
 *
 * <pre>
 * ./mvnw -q -pl proto test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.wormholes.proto.PresenceVerifyBenchmark [-Dexec.args="ROUNDS SECONDS"]
 * </pre>
 */
public final class PresenceVerifyBenchmark {
  private static final int RECORDS = 256;
  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
  private static final long NOW = 1_800_000_000_000L;
  private static final byte[] SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

  private final NodeId[] keys = new NodeId[RECORDS];
  private final StoredValue[] values = new StoredValue[RECORDS];
  private final KeyFactory keyFactory;
  private final Signature jdk;

  private PresenceVerifyBenchmark() throws GeneralSecurityException {
    SplittableRandom random = new SplittableRandom(7447);
    for (int i = 0; i < RECORDS; i++) {
      byte[] seed = new byte[32];
      random.nextBytes(seed);
      Identity id = Identity.fromSeed(seed);
      keys[i] = id.id();
      values[i] = DhtValues.presence(id, record(random, i));
    }
    keyFactory = KeyFactory.getInstance("Ed25519");
    jdk = Signature.getInstance("Ed25519");
  }

  /** A typical record: three endpoints, an hour to live. */
  private static Presence record(SplittableRandom random, int i) {
    Presence.Builder p = Presence.newBuilder().setSeq(1 + i).setExpiresAtMs(NOW + 3_600_000);
    for (EndpointKind kind : new EndpointKind[] {EndpointKind.ENDPOINT_LAN, EndpointKind.ENDPOINT_OBSERVED, EndpointKind.ENDPOINT_MAPPED}) {
      byte[] ip = new byte[4];
      random.nextBytes(ip);
      p.addEndpoints(ReachEndpoint.newBuilder().setKind(kind).setEndpoint(
          dev.wormholes.proto.wire.Endpoint.newBuilder().setIp(ByteString.copyFrom(ip)).setPort(1024 + random.nextInt(60000))));
    }
    return p.build();
  }

  /** The same checks as {@link DhtValues#check} for a presence record, with the JDK's Ed25519. */
  private ValueCheck jdkCheck(NodeId key, StoredValue value, long wallMillis) throws GeneralSecurityException {
    SignedPresence sp = value.getPresence();
    if (sp.getPresence().size() > Limits.MAX_PRESENCE) return ValueCheck.TOO_LARGE;
    if (sp.getSignature().size() != Identity.SIGNATURE_BYTES) return ValueCheck.MALFORMED;
    Presence p;
    try {
      p = Presence.parseFrom(sp.getPresence());
    } catch (InvalidProtocolBufferException e) {
      return ValueCheck.MALFORMED;
    }
    if (p.getPublicKey().size() != Identity.PUBLIC_KEY_BYTES) return ValueCheck.MALFORMED;
    if (p.getEndpointsCount() > Limits.MAX_ENDPOINTS || p.getIntroducersCount() > Limits.MAX_INTRODUCERS) {
      return ValueCheck.TOO_MANY_ENDPOINTS;
    }
    for (ReachEndpoint r : p.getEndpointsList()) {
      if (!Endpoints.isValid(r.getEndpoint())) return ValueCheck.MALFORMED;
    }
    byte[] pk = p.getPublicKey().toByteArray();
    if (!Identity.idOf(pk).equals(key)) return ValueCheck.KEY_MISMATCH;
    if (Long.compareUnsigned(p.getExpiresAtMs(), wallMillis) <= 0) return ValueCheck.EXPIRED;
    if (Long.compareUnsigned(p.getExpiresAtMs(), wallMillis + Limits.MAX_PRESENCE_LIFETIME_MS) > 0) {
      return ValueCheck.EXPIRY_TOO_FAR;
    }
    byte[] spki = Arrays.copyOf(SPKI_PREFIX, SPKI_PREFIX.length + pk.length);
    System.arraycopy(pk, 0, spki, SPKI_PREFIX.length, pk.length);
    jdk.initVerify(keyFactory.generatePublic(new X509EncodedKeySpec(spki)));
    jdk.update(DhtValues.PRESENCE_DOMAIN);
    jdk.update(sp.getPresence().toByteArray());
    return jdk.verify(sp.getSignature().toByteArray()) ? ValueCheck.OK : ValueCheck.BAD_SIGNATURE;
  }

  private interface Check {
    ValueCheck run(NodeId key, StoredValue value) throws GeneralSecurityException;
  }

  /** Rates of one measurement: per second of this thread's CPU time, and per second of wall time. */
  private record Rate(double perCpuSecond, double perWallSecond) {}

  /**
   * Run {@code check} over the records for about {@code millis} of this thread's CPU time. CPU time
   * rather than wall time because the machine is shared: other processes' load then slows neither
   * side's figure (wall-time rates are printed too).
   */
  private Rate measure(Check check, long millis) throws GeneralSecurityException {
    long cpuStart = CPU.getCurrentThreadCpuTime();
    long wallStart = System.nanoTime();
    long deadline = cpuStart + millis * 1_000_000;
    long done = 0;
    long cpu;
    do {
      for (int i = 0; i < 16; i++) {
        int r = (int) (done % RECORDS);
        if (check.run(keys[r], values[r]) != ValueCheck.OK) {
          throw new AssertionError("record " + r + " did not verify");
        }
        done++;
      }
      cpu = CPU.getCurrentThreadCpuTime();
    } while (cpu < deadline);
    return new Rate(done / ((cpu - cpuStart) / 1e9), done / ((System.nanoTime() - wallStart) / 1e9));
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 1.0;
    long millis = (long) (seconds * 1000);
    if (!CPU.isCurrentThreadCpuTimeSupported()) {
      throw new IllegalStateException("this JVM cannot measure thread CPU time");
    }
    CPU.setThreadCpuTimeEnabled(true);
    PresenceVerifyBenchmark b = new PresenceVerifyBenchmark();
    Check bc = (k, v) -> DhtValues.check(k, v, NOW);
    Check jdk = (k, v) -> b.jdkCheck(k, v, NOW);
    // Each record checked by 20 answers in a row; a cache smaller than the record set, so every
    // record's first check verifies its signature.
    CachingValidator cache = new CachingValidator(ValueValidator.standard(), RECORDS / 2);
    long[] seen = {0};
    Check cached = (k, v) -> {
      int r = (int) (seen[0]++ / 20 % RECORDS);
      return cache.check(b.keys[r], b.values[r], NOW);
    };

    System.out.printf("presence-record checks, %d distinct records, one thread, %s %s; rates per CPU second (per wall second)%n",
        RECORDS, System.getProperty("java.vm.name"), System.getProperty("java.version"));
    for (int w = 0; w < 3; w++) { // warm-up: both paths JIT-compiled before any round counts
      b.measure(bc, millis);
      b.measure(jdk, millis);
      b.measure(cached, millis);
    }
    double[] bcRates = new double[rounds];
    double[] jdkRates = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      Rate bcRate = b.measure(bc, millis);
      Rate jdkRate = b.measure(jdk, millis);
      bcRates[r] = bcRate.perCpuSecond();
      jdkRates[r] = jdkRate.perCpuSecond();
      System.out.printf("round %d: BC %7.0f/s (%7.0f)   JDK %7.0f/s (%7.0f)   BC/JDK %5.2f%n", r + 1,
          bcRate.perCpuSecond(), bcRate.perWallSecond(), jdkRate.perCpuSecond(), jdkRate.perWallSecond(),
          bcRates[r] / jdkRates[r]);
    }
    Rate cachedRate = b.measure(cached, millis);
    System.out.printf("cached (each record from 20 holders): %7.0f checks/s (%7.0f)%n", cachedRate.perCpuSecond(),
        cachedRate.perWallSecond());
    double bcMedian = median(bcRates);
    double jdkMedian = median(jdkRates);
    System.out.printf("median:  BC %7.0f/s   JDK %7.0f/s   ratio BC/JDK = %.2f%n", bcMedian, jdkMedian, bcMedian / jdkMedian);
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
