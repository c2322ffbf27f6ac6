package dev.wormholes.people;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.ValueCheck;
import dev.wormholes.proto.wire.EndpointKind;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.ReachEndpoint;
import dev.wormholes.proto.wire.StoredValue;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Key-log verifications per second against presence-record verifications per second (the
 * baseline, {@code DhtValues.check}), in one run, one thread, rates per second of the thread's CPU
 * time. A typical log: inception, a second device added, one rotation (4 events: 5 signatures,
 * counting the devices' consent); a long one: 32 events. Every verification must succeed.
 *
 * <pre>
 * ./mvnw -q -pl people test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.wormholes.people.KeyLogVerifyBenchmark [-Dexec.args="SECONDS"]
 * </pre>
 */
public final class KeyLogVerifyBenchmark {
  private static final int ITEMS = 64;
  private static final long NOW_MS = 1_800_000_000_000L;
  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

  private KeyLogVerifyBenchmark() {}

  private static byte[] log(long seed, int rotations) {
    TestPersona p = new TestPersona(seed);
    p.addDevice();
    for (int i = 0; i < rotations; i++) {
      p.rotate();
    }
    return p.log.encode();
  }

  /** Run {@code check} over the items for {@code seconds} of CPU time; return checks per CPU second. */
  private static double rate(String what, int items, java.util.function.IntPredicate check, double seconds) {
    long n = 0;
    long start = CPU.getCurrentThreadCpuTime();
    long cpu;
    do {
      for (int i = 0; i < items; i++) {
        if (!check.test(i)) {
          throw new AssertionError(what + " item " + i + " did not verify");
        }
      }
      n += items;
      cpu = CPU.getCurrentThreadCpuTime() - start;
    } while (cpu < seconds * 1e9);
    double r = n / (cpu / 1e9);
    System.out.printf(Locale.ROOT, "%-34s %10.0f /s%n", what, r);
    return r;
  }

  public static void main(String[] args) {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
    Random random = new Random(7447);
    NodeId[] keys = new NodeId[ITEMS];
    StoredValue[] presences = new StoredValue[ITEMS];
    byte[][] typical = new byte[ITEMS][];
    byte[][] long32 = new byte[ITEMS][];
    for (int i = 0; i < ITEMS; i++) {
      Identity id = Identity.generate(random);
      keys[i] = id.id();
      Presence.Builder p = Presence.newBuilder().setSeq(1 + i).setExpiresAtMs(NOW_MS + 3_600_000);
      for (EndpointKind kind : List.of(EndpointKind.ENDPOINT_LAN, EndpointKind.ENDPOINT_OBSERVED)) {
        p.addEndpoints(ReachEndpoint.newBuilder().setKind(kind).setEndpoint(dev.wormholes.proto.wire.Endpoint
            .newBuilder().setIp(ByteString.copyFrom(new byte[] {10, 0, 0, (byte) i})).setPort(7447)));
      }
      presences[i] = DhtValues.presence(id, p.build());
      typical[i] = log(i, 2);
      long32[i] = log(i + 1000, 30);
    }
    rate("warm-up", ITEMS, i -> KeyLog.decode(typical[i]) instanceof LogResult.Valid, 1);
    double presence = rate("presence records (baseline)", ITEMS,
        i -> DhtValues.check(keys[i], presences[i], NOW_MS) == ValueCheck.OK, seconds);
    double logs = rate("key logs, 4 events", ITEMS, i -> KeyLog.decode(typical[i]) instanceof LogResult.Valid, seconds);
    double longLogs = rate("key logs, 32 events", ITEMS, i -> KeyLog.decode(long32[i]) instanceof LogResult.Valid, seconds);
    System.out.printf(Locale.ROOT, "ratio: a 4-event log costs %.2f presence checks; a 32-event log %.2f%n",
        presence / logs, presence / longLogs);
  }
}
