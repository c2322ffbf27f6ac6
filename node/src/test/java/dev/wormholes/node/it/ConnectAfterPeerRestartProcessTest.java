package dev.wormholes.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code wormholes connect} to a node that was killed with SIGKILL and came back at the same
 * address succeeds within seconds (real {@code wormholed} processes in a loopback-only namespace).
 * The dialling node still holds its QUIC connection to the dead process, which only QUIC's 30 s
 * idle timeout would close: the stream open over that kept path must give up after its own short
 * bound, drop the connection, find the path anew and open the stream against the new process.
 */
class ConnectAfterPeerRestartProcessTest {
  private static final int HTTP_PORT = 18_471;
  /**
   * Most extra time of the connect to the restarted node over one to the live node (the command's
   * own start measured in the same run): well under QUIC's 30 s idle timeout, well over the open's
   * bound (2 s on loopback) and a new search.
   */
  private static final long EXTRA_MS = 12_000;

  @RegisterExtension final ClusterExtension it = new ClusterExtension();

  @Test
  void connectReachesTheRestartedNodeWithinSeconds() throws Exception {
    Cluster c = it.cluster();
    Path www = c.webServer(HTTP_PORT);
    Files.writeString(www.resolve("hello.txt"), "hello from b\n");
    NodeProcess a = c.start("a", 7351).awaitReady();
    NodeProcess b = c.start("b", 7352, a).awaitReady();
    String bId = b.logText().lines().filter(l -> l.contains(" listening on udp ")).findFirst().orElseThrow()
        .split(" ")[1]; // the ready line: wormholed ID listening on udp ...
    c.cli(b, "expose", "web", "127.0.0.1:" + HTTP_PORT, "--public").ok();
    Cluster.eventually("a first connect", java.time.Duration.ofSeconds(30), java.time.Duration.ofSeconds(1),
        () -> connect(c, a, bId, www), r -> r.exit() == 0 && r.out().contains("hello from b"));
    long w0 = System.nanoTime();
    connect(c, a, bId, www).ok();
    long warm = (System.nanoTime() - w0) / 1_000_000;

    b.kill9();
    NodeProcess b2 = c.restart(b, 7352).awaitReady();
    long t0 = System.nanoTime();
    CliResult again = connect(c, a, bId, www);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("[it] connect to the restarted node: %d ms; to the live node before: %d ms"
        + " (QUIC idle timeout 30000 ms)%n", ms, warm);
    a.logText().lines().filter(l -> l.contains("went silent")).forEach(l -> System.out.println("[it] a: " + l));
    assertEquals(0, again.exit(), again.describe());
    assertTrue(again.out().contains("hello from b"), again.describe());
    assertTrue(ms - warm < EXTRA_MS, "connect took " + ms + " ms, " + warm + " ms before the restart");
    b2.terminate();
  }

  /** Fetch hello.txt from {@code b}'s web service through {@code wormholes connect} run against {@code a}. */
  private static CliResult connect(Cluster c, NodeProcess a, String bId, Path www) {
    Path resp = www.resolve("resp.txt");
    Exec.Result r = Exec.run(c.inNamespace("bash", "-c", c.httpGet(a, "/hello.txt", bId + " web") + " > " + resp),
        c.env(), Cluster.CLI_TIMEOUT_SECONDS);
    String out;
    try {
      out = Files.exists(resp) ? Files.readString(resp, StandardCharsets.ISO_8859_1) : "";
    } catch (java.io.IOException e) {
      out = "";
    }
    return new CliResult("connect", r.exit(), out, r.err());
  }
}
