package dev.wormholes.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.dht.DhtConfig;
import dev.wormholes.node.it.Exec;
import dev.wormholes.node.it.Netns;
import dev.wormholes.node.store.DataDir;
import dev.wormholes.node.store.LmdbNodeStore;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.KeyProofs;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
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

  /**
   * The data dir holds an identity stored by an older version, without the public network's id
   * work: the daemon keeps it, and after the ready line prints one line saying it runs read-only
   * and how to get a full identity; {@code wormholes status} shows it.
   */
  @Test
  void readyLineRunFilesReadOnlyNoticeAndCleanSigterm() throws Exception {
    Path data = tmp.resolve("data");
    Identity old = Identity.generate(new SplittableRandom(71));
    for (long s = 72; KeyProofs.meetsWork(old.id(), DhtConfig.PUBLIC_ID_WORK_BITS); s++) {
      old = Identity.generate(new SplittableRandom(s));
    }
    byte[] seed = old.seed();
    try (LmdbNodeStore store = LmdbNodeStore.open(DataDir.open(data).db())) {
      store.identitySeed(() -> seed);
    }
    try (Netns ns = Netns.create()) {
      Process p = new ProcessBuilder(ns.wrap(java(Wormholed.class,
          "--data", data.toString(), "--listen", "127.0.0.1:7447", "--no-mainline")))
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line = out.readLine();
        Matcher m = READY.matcher(line == null ? "" : line);
        assertTrue(m.matches(), "ready line: " + line);
        assertEquals(old.id().toString(), m.group(1), "the stored identity is kept");
        String notice = out.readLine();
        assertTrue(notice != null && notice.contains("read-only") && notice.contains("--data DIR"), "notice: " + notice);
        assertEquals("127.0.0.1:" + m.group(2) + "\n", Files.readString(data.resolve("api.port")));
        long pid = Long.parseLong(Files.readString(data.resolve("wormholed.pid")).trim());
        assertTrue(Files.readString(data.resolve("api.token")).trim().matches("[0-9a-f]{64}"));
        Exec.Result status = Exec.runOrKill(ns.wrap(java(dev.wormholes.node.cli.Wormholes.class,
            "--data", data.toString(), "status")), java.util.Map.of(), 30);
        assertEquals(0, status.exit(), status.err());
        assertTrue(status.out().contains("read-only: this identity lacks the id work"), status.out());
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

  private static List<String> java(Class<?> main, String... args) {
    List<String> c = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), main.getName()));
    c.addAll(List.of(args));
    return c;
  }
}
