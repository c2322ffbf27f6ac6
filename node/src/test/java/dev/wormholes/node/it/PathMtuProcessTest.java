package dev.wormholes.node.it;

import static dev.wormholes.node.it.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Path MTU discovery stays inside the path: in a namespace whose loopback has an Ethernet-sized
 * MTU (1500), two {@code wormholed} processes carry 32 MiB through {@code wormholes connect}
 * (SHA-256 equal at both ends) and the namespace's IP counters show that not one datagram was
 * fragmented: the QUIC probes larger than the path were lost to the don't-fragment bit, and the
 * connection settled on packets that fit. (With fragmentation allowed, quiche's 16 KB probes
 * "succeed" in fragments, which the internet often drops.)
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class PathMtuProcessTest {
  private static final long BYTES = 32L << 20;
  private static final int GEN_PORT = 8791;

  @RegisterExtension final ClusterExtension it = new ClusterExtension();

  @Test
  void aStreamOverA1500BytePathIsNeverFragmented() throws Exception {
    Cluster c = it.cluster();
    Exec.Result mtu = Exec.run(c.inNamespace("ip", "link", "set", "lo", "mtu", "1500"), c.env(), 20);
    assertEquals(0, mtu.exit(), mtu.err());
    Path work = Files.createTempDirectory("wh-it-pmtu");
    try {
      Path script = work.resolve("endpoint.py");
      Files.writeString(script, ConnectGibibyteProcessTest.ENDPOINT);
      Path sentHash = work.resolve("sent.hash");
      new ProcessBuilder(c.inNamespace("python3", script.toString(), "serve-gen", String.valueOf(GEN_PORT), "21",
          String.valueOf(BYTES), sentHash.toString(), work.resolve("gen.ready").toString()))
          .redirectErrorStream(true).redirectOutput(work.resolve("gen.log").toFile()).start();
      NodeProcess a = c.start("a", 7331).awaitReady();
      NodeProcess b = c.start("b", 7332, a).awaitReady();
      String bId = c.cli(b, "id").ok().out().trim();
      c.cli(b, "expose", "gen", "127.0.0.1:" + GEN_PORT, "--public").ok();
      Awaitility.await("server listening").atMost(Duration.ofSeconds(20))
          .until(() -> Files.exists(work.resolve("gen.ready")));
      eventually("A finds B's presence record", Duration.ofSeconds(40), () -> c.cli(a, "lookup", bId),
          r -> r.exit() == 0);
      long before = fragmentsCreated(c);

      String pipeline = c.repo().resolve("bin/wormholes") + " --data " + a.dataDir() + " connect " + bId
          + " gen </dev/null | python3 " + script + " hash";
      Exec.Result r = Exec.run(c.inNamespace("bash", "-o", "pipefail", "-c", pipeline), c.env(), 90);
      assertEquals(0, r.exit(), r.err());
      assertTrue(Files.exists(sentHash), "download ended (" + r.out().trim() + ") before B's server sent everything");
      assertEquals(Files.readString(sentHash).trim(), r.out().trim());
      assertEquals(0, fragmentsCreated(c) - before, "IP fragments created in the namespace during the transfer");
    } finally {
      try (Stream<Path> paths = Files.walk(work)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Return the namespace's {@code Ip: FragCreates} counter (/proc/net/snmp is per namespace). */
  private static long fragmentsCreated(Cluster c) {
    Exec.Result r = Exec.run(c.inNamespace("cat", "/proc/net/snmp"), c.env(), 10);
    List<String> ip = r.out().lines().filter(l -> l.startsWith("Ip: ")).toList();
    List<String> names = List.of(ip.get(0).split("\\s+"));
    String[] values = ip.get(1).split("\\s+");
    return Long.parseLong(values[names.indexOf("FragCreates")]);
  }
}
