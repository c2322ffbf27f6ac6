package dev.wormholes.node.it;

import static dev.wormholes.node.it.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Mistakes a person makes with {@code bin/wormholes} against real daemons: each gives exactly one
 * stderr line starting {@code wormholes: }, the contract's exit code, and never a stack trace.
 */
class UserErrorsTest {
  static final Duration CONVERGE = Duration.ofSeconds(60);

  @RegisterExtension final ClusterExtension it = new ClusterExtension();

  @Test
  void mistakesGiveOneClearLineAndTheRightExitCode() {
    Cluster c = it.cluster();
    Path nobody = c.dataDir("nobody");
    c.cli(nobody, "status").failsWith(3,
        "no daemon is running for data dir " + nobody + " (start one with bin/wormholed --data " + nobody + ")");

    NodeProcess a = c.start("a", 7301).awaitReady();
    NodeProcess b = c.start("b", 7302, a).awaitReady();
    String bId = c.cli(b, "id").ok().out().strip();
    // The network works, so the not-founds below are real answers, not a node without peers.
    eventually("a looks up b", CONVERGE, () -> c.cli(a, "lookup", bId), r -> r.exit() == 0);

    c.cli(a, "lookup", "not-a-node-id").failsWith(2, "not a node id: 'not-a-node-id'");
    c.cli(a, "lookup", bId.substring(1)).failsWith(2, "not a node id");
    c.cli(a, "get", "abc", "--json").failsWith(2, "not a key");
    c.cli(a, "put", "x".repeat(1001)).failsWith(2, "value is 1001 bytes; the limit is 1000");
    c.cli(a, "frobnicate").failsWith(2, "unknown command 'frobnicate'");
    c.cli(a, "lookup").failsWith(2, "NODE_ID");

    NodeId unknown = NodeId.of(Identity.sha256("a value nobody stored".getBytes(StandardCharsets.UTF_8)));
    c.cli(a, "get", unknown.toString()).failsWith(1, "wormholes: ");
    c.cli(a, "get", unknown.toString(), "--json").failsWith(1, "wormholes: ");
    c.cli(a, "lookup", unknown.toString()).failsWith(1, "wormholes: ");

    // wormholed's own mistakes: a second daemon on a running node's data dir, a bad address.
    NodeProcess twin = c.startRaw("twin", "--data", a.dataDir().toString(), "--listen", "127.0.0.1:7303",
        "--no-lan-discovery");
    assertEquals(1, twin.awaitExit(Duration.ofSeconds(60)), twin.logText());
    assertOneLine(twin.logText(), "wormholed: another wormholed is running for data dir " + a.dataDir());
    c.cli(a, "lookup", bId).ok();  // a is unharmed: its api.port and token still lead to it
    NodeProcess badListen = c.startRaw("bad", "--data", c.dataDir("bad").toString(), "--listen", "nowhere");
    assertEquals(2, badListen.awaitExit(Duration.ofSeconds(60)), badListen.logText());
    assertOneLine(badListen.logText(), "wormholed: ");

    // A clean stop (SIGTERM) exits 0 and removes api.port and the pid file; then: no daemon.
    assertEquals(0, b.terminate(), "exit code after SIGTERM");
    assertFalse(Files.exists(b.dataDir().resolve("api.port")), "api.port removed on clean shutdown");
    assertFalse(Files.exists(b.dataDir().resolve("wormholed.pid")), "wormholed.pid removed on clean shutdown");
    c.cli(b, "status").failsWith(3, "no daemon is running for data dir " + b.dataDir());
  }

  /** Assert that {@code log} is one line containing {@code contains}, with no stack trace. */
  private static void assertOneLine(String log, String contains) {
    List<String> lines = log.lines().filter(l -> !l.isBlank()).toList();
    assertEquals(1, lines.size(), () -> "one line expected:\n" + log);
    assertTrue(lines.get(0).contains(contains), () -> "expected '" + contains + "' in: " + log);
    assertFalse(log.contains("Exception") || log.contains("\tat "), () -> "stack trace:\n" + log);
  }
}
