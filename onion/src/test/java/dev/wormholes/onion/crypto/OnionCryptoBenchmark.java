package dev.wormholes.onion.crypto;

import dev.wormholes.onion.handshake.NtorV3;
import dev.wormholes.onion.handshake.NtorV3.ClientStart;
import dev.wormholes.onion.handshake.NtorV3.OnionKeyPair;
import dev.wormholes.onion.handshake.NtorV3.RelayKeys;
import dev.wormholes.onion.handshake.NtorV3.ServerAccept;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Per-cell and per-handshake costs of the onion crypto, one thread, one run, with ratios against
 * the test-only {@link CtrBaseline} measured in the same run: CGO at a middle hop (a cell that is
 * not addressed to it), CGO at the endpoints (originate, and originate plus recognise with the key
 * update both do), POLYVAL over one cell's tweak, and each side of ntor-v3.
 *
 * <p>Times are per operation of the benchmark thread's CPU time (the machine is shared; wall
 * time is printed beside it). The first rounds warm the JIT and are not reported.
 *
 * <pre>
 * MAVEN_OPTS="--add-opens java.base/com.sun.crypto.provider=ALL-UNNAMED" \
 * ./mvnw -q -B -pl onion test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.wormholes.onion.crypto.OnionCryptoBenchmark [-Dexec.args="ROUNDS"]
 * </pre>
 *
 * <p>({@code exec:java} runs in Maven's JVM, hence MAVEN_OPTS; without the flag POLYVAL takes its
 * portable route.)
 */
public final class OnionCryptoBenchmark {
  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
  private static final int CELLS = 1 << 14;
  private static final int HANDSHAKES = 400;
  private static final int RELAY = 3;

  /** One benchmarked operation, given its index. */
  private interface Op {
    void run(int i);
  }

  /** CPU and wall nanoseconds per operation of the best round. */
  private record Cost(double cpuNs, double wallNs) {}

  private OnionCryptoBenchmark() {}

  /** Run the benchmark; {@code args[0]} is the number of measured rounds (default 5). */
  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    SplittableRandom random = new SplittableRandom(359);
    byte[][] bodies = new byte[256][RelayCrypto.BODY_BYTES];
    for (byte[] b : bodies) {
      random.nextBytes(b);
    }
    RelayCrypto.RelayLayer cgoMiddle = Cgo.SCHEME.relay(seed(random, Cgo.SCHEME));
    RelayCrypto.RelayLayer ctrMiddle = CtrBaseline.SCHEME.relay(seed(random, CtrBaseline.SCHEME));
    byte[] cgoSeed = seed(random, Cgo.SCHEME);
    RelayCrypto.ClientLayer cgoClient = Cgo.SCHEME.client(cgoSeed);
    RelayCrypto.RelayLayer cgoExit = Cgo.SCHEME.relay(cgoSeed);
    RelayCrypto.ClientLayer cgoAlone = Cgo.SCHEME.client(seed(random, Cgo.SCHEME));
    RelayCrypto.ClientLayer ctrClient = CtrBaseline.SCHEME.client(seed(random, CtrBaseline.SCHEME));
    Polyval polyval = new Polyval(bodies[0], 0);
    Polyval portable = new Polyval(bodies[0], 0, false);
    byte[] cell = new byte[RelayCrypto.BODY_BYTES];

    Op cgoMid = i -> cgoMiddle.outbound().decryptOutbound(RELAY, bodies[i & 255]);
    Op ctrMid = i -> ctrMiddle.outbound().decryptOutbound(RELAY, bodies[i & 255]);
    Op cgoOriginate = i -> cgoAlone.outbound().originate(RELAY, bodies[i & 255]);
    Op ctrOriginate = i -> ctrClient.outbound().originate(RELAY, bodies[i & 255]);
    Op cgoRoundTrip = i -> {
      cgoClient.outbound().originate(RELAY, cell);
      if (!cgoExit.outbound().decryptOutbound(RELAY, cell)) {
        throw new AssertionError("the exit must recognise its cell");
      }
    };
    Op hash = i -> {
      polyval.reset();
      polyval.updatePadded(bodies[i & 255], 0, 512 - 3);
    };
    Cgo.Uiv uiv = new Cgo.Uiv(new byte[Cgo.KEY_BYTES], 0, true);
    Op rekey = i -> uiv.rekey(bodies[i & 255], 0);
    Op hashPortable = i -> {
      portable.reset();
      portable.updatePadded(bodies[i & 255], 0, 512 - 3);
    };

    byte[] id = new byte[32];
    random.nextBytes(id);
    OnionKeyPair onionKey = OnionKeyPair.of(secret(random));
    RelayKeys relay = new RelayKeys(id, onionKey.publicKey());
    byte[] verification = "circuit extend".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] message = new byte[8];
    byte[][] secrets = new byte[HANDSHAKES][];
    for (int i = 0; i < HANDSHAKES; i++) {
      secrets[i] = secret(random);
    }
    ClientStart[] starts = new ClientStart[HANDSHAKES];
    byte[][] replies = new byte[HANDSHAKES][];
    Op clientStart = i -> starts[i] = NtorV3.clientStart(relay, secrets[i], verification, message).orThrow();
    Op server = i -> {
      ServerAccept a = NtorV3.serverAccept(id, List.of(onionKey), starts[i].onionskin(), verification).orThrow();
      replies[i] = NtorV3.serverReply(a.state(), secrets[HANDSHAKES - 1 - i], message, verification).orThrow().reply();
    };
    Op clientFinish = i -> NtorV3.clientFinish(starts[i].state(), replies[i], verification).orThrow();

    int warmup = 3;
    Cost[] best = new Cost[11];
    for (int round = 0; round < warmup + rounds; round++) {
      Cost[] c = {
        time(cgoMid, CELLS), time(ctrMid, CELLS), time(cgoOriginate, CELLS), time(ctrOriginate, CELLS),
        time(cgoRoundTrip, CELLS), time(hash, CELLS),
        time(clientStart, HANDSHAKES), time(server, HANDSHAKES), time(clientFinish, HANDSHAKES),
        time(hashPortable, CELLS), time(rekey, CELLS),
      };
      if (round >= warmup) {
        for (int k = 0; k < c.length; k++) {
          if (best[k] == null || c[k].cpuNs() < best[k].cpuNs()) {
            best[k] = c[k];
          }
        }
      }
    }
    print("CGO middle hop, per cell", best[0]);
    print("CTR baseline middle hop, per cell", best[1]);
    print("CGO originate (client), per cell", best[2]);
    print("CTR baseline originate, per cell", best[3]);
    print("CGO originate + recognise with key updates", best[4]);
    print("CGO recognise at the exit (difference)", new Cost(best[4].cpuNs() - best[2].cpuNs(), best[4].wallNs() - best[2].wallNs()));
    System.out.println("POLYVAL route: " + (Polyval.intrinsic() ? "JDK GHASH intrinsic" : "portable (no --add-opens)"));
    print("POLYVAL over a 509-byte tweak (32 blocks)", best[5]);
    print("POLYVAL portable route, same input", best[9]);
    print("UIV re-key (two AES key schedules, two POLYVAL)", best[10]);
    print("ntor-v3 client side (start + finish)", new Cost(best[6].cpuNs() + best[8].cpuNs(), best[6].wallNs() + best[8].wallNs()));
    print("ntor-v3 server side (accept + reply)", best[7]);
    System.out.printf(Locale.ROOT, "ratio CGO / CTR middle hop      %.2f%n", best[0].cpuNs() / best[1].cpuNs());
    System.out.printf(Locale.ROOT, "ratio CGO / CTR originate       %.2f%n", best[2].cpuNs() / best[3].cpuNs());
    System.out.printf(Locale.ROOT, "ratio CGO endpoint / CGO middle %.2f%n", best[2].cpuNs() / best[0].cpuNs());
  }

  private static Cost time(Op op, int n) {
    long cpu0 = CPU.getCurrentThreadCpuTime();
    long wall0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      op.run(i);
    }
    long wall = System.nanoTime() - wall0;
    long cpu = CPU.getCurrentThreadCpuTime() - cpu0;
    return new Cost(cpu / (double) n, wall / (double) n);
  }

  private static void print(String what, Cost c) {
    System.out.printf(Locale.ROOT, "%-45s %10.0f ns cpu %10.0f ns wall%n", what, c.cpuNs(), c.wallNs());
  }

  private static byte[] seed(SplittableRandom random, RelayCrypto.Scheme scheme) {
    byte[] s = new byte[scheme.seedBytes()];
    random.nextBytes(s);
    return s;
  }

  private static byte[] secret(SplittableRandom random) {
    byte[] s = new byte[32];
    random.nextBytes(s);
    return s;
  }
}
