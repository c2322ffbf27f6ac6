package dev.wormholes.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.node.it.Exec;
import dev.wormholes.node.it.Netns;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wormholed} as a process, inside a fresh loopback-only network namespace: it prints the
 * contract's ready line, writes its run files, and on SIGTERM shuts down cleanly with exit 0 and
 * deletes {@code api.port} and the pid file. Needs root for {@code ip netns}; skipped loudly otherwise.
 */
class WormholedProcessTest {
  private static final Pattern READY = Pattern.compile(
      "wormholed ([a-z2-7]{52}) listening on udp 127\\.0\\.0\\.1:7447, api 127\\.0\\.0\\.1:(\\d+), socks 127\\.0\\.0\\.1:(\\d+)");

  @TempDir
  Path tmp;

  @Test
  void readyLineRunFilesAndCleanSigterm() throws Exception {
    Path data = tmp.resolve("data");
    try (Netns ns = Netns.create()) {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process p = new ProcessBuilder(ns.wrap(List.of(java,
          "--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED",
          "-cp", System.getProperty("java.class.path"), Wormholed.class.getName(),
          "--data", data.toString(), "--listen", "127.0.0.1:7447", "--no-mainline")))
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line = out.readLine();
        Matcher m = READY.matcher(line == null ? "" : line);
        assertTrue(m.matches(), "ready line: " + line);
        assertEquals("127.0.0.1:" + m.group(2) + "\n", Files.readString(data.resolve("api.port")));
        long pid = Long.parseLong(Files.readString(data.resolve("wormholed.pid")).trim());
        assertTrue(Files.readString(data.resolve("api.token")).trim().matches("[0-9a-f]{64}"));
        assertEquals(0, Exec.run(10, "kill", "-TERM", Long.toString(pid)).exit());
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "no exit after SIGTERM");
        assertEquals(0, p.exitValue());
        assertFalse(Files.exists(data.resolve("api.port")));
        assertFalse(Files.exists(data.resolve("wormholed.pid")));
      } finally {
        p.destroyForcibly();
      }
    }
  }
}
