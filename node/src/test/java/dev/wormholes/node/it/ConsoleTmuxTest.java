package dev.wormholes.node.it;

import static dev.wormholes.node.it.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code wormholes console} of two contacts, each in a tmux pane (a real terminal) inside the
 * test's loopback-only namespace, driven with send-keys and read with capture-pane: a whisper
 * typed in alice's console appears in bob's as it arrives and alice sees it delivered; bob joins
 * alice's channel with {@code /join} and reads her {@code /channelcast} with {@code /channel}; tab
 * completes a command; {@code /tor} and an unknown command answer in one line; {@code /quit} exits 0.
 * (Delivery after the recipient returns is {@code WhisperProcessTest}'s.)
 */
class ConsoleTmuxTest {
  @RegisterExtension final ClusterExtension it = new ClusterExtension();

  private Cluster c;
  private List<String> tmux;
  private Map<String, String> env;

  @Test
  void whispersTypedInOneConsoleAppearInTheOther() throws Exception {
    if (Exec.run(20, "sh", "-c", "command -v tmux").exit() != 0) {
      String msg = "CONSOLE TEST NOT RUN: tmux is missing (apt-get install tmux)";
      if ("true".equals(String.valueOf(System.getenv("CI")).toLowerCase(Locale.ROOT))) {
        fail(msg + " (CI=true: it must run)");
      }
      Assumptions.abort(msg);
    }
    c = it.cluster();
    NodeProcess alice = c.start("alice", 7341).awaitReady();
    NodeProcess bob = c.start("bob", 7342, alice).awaitReady();
    String link = c.cli(alice, "invite", "--name", "bob").ok().out().trim();
    eventually("bob accepts", Duration.ofSeconds(60), Duration.ofSeconds(2),
        () -> c.cli(bob, "accept", link, "--name", "alice"), r -> r.exit() == 0);

    Path home = Files.createTempDirectory("wh-it-tmux");
    Files.writeString(home.resolve("tmux.conf"), "set -g remain-on-exit on\n");
    String socket = "wh-face-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 20);
    tmux = List.of("tmux", "-L", socket, "-f", home.resolve("tmux.conf").toString());
    env = new HashMap<>(c.env());
    env.put("HOME", home.toString());
    try {
      console("alice", alice);
      console("bob", bob);
      waitFor("alice", "^wormholes>");
      waitFor("bob", "^wormholes>");

      type("alice", "/whisper bob hello from the console");
      waitFor("alice", "delivered: bob");
      waitFor("bob", "whisper from alice: hello from the console");

      // Channels: bob joins alice's channel by link from his console; her channelcast reaches him.
      c.cli(alice, "channel", "create", "team").ok();
      String channelLink = c.cli(alice, "channel", "invite", "team").ok().out().strip();
      type("bob", "/join " + channelLink);
      waitFor("bob", "^joined team ");
      type("alice", "/channelcast team hello channel");
      waitFor("alice", "posted #1 to team");
      long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!pane("bob").contains("alice #1: hello channel") && System.nanoTime() < until) {
        type("bob", "/channel team");
        Thread.sleep(1_000);
      }
      waitFor("bob", "alice #1: hello channel", 1);

      keys("bob", "-l", "/contac");
      keys("bob", "Tab");
      keys("bob", "Enter");
      waitFor("bob", "alice +accepted");
      type("alice", "/tor");
      waitFor("alice", "Tor is not supported yet");
      type("alice", "/nope");
      waitFor("alice", "error: unknown command /nope");

      type("alice", "/quit");
      waitFor("alice", "^EXIT=0");
    } finally {
      Exec.runOrKill(c.inNamespace(cmd("kill-server")), env, 20);
      Files.deleteIfExists(Path.of("/tmp/tmux-0/" + socket));
      try (var files = Files.walk(home)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private void console(String session, NodeProcess n) {
    String run = c.repo().resolve("bin/wormholes") + " --data " + n.dataDir() + " console; echo EXIT=$?";
    Exec.Result r = Exec.run(c.inNamespace(cmd("new-session", "-d", "-s", session, "-x", "120", "-y", "40", run)), env, 30);
    assertEquals(0, r.exit(), r.err());
  }

  private String[] cmd(String... args) {
    List<String> all = new ArrayList<>(tmux);
    all.addAll(List.of(args));
    return all.toArray(new String[0]);
  }

  private void keys(String session, String... keys) {
    List<String> args = new ArrayList<>(List.of("send-keys", "-t", session));
    args.addAll(List.of(keys));
    assertEquals(0, Exec.run(c.inNamespace(cmd(args.toArray(new String[0]))), env, 20).exit());
  }

  private void type(String session, String line) {
    keys(session, "-l", line);
    keys(session, "Enter");
  }

  private String pane(String session) {
    return Exec.run(c.inNamespace(cmd("capture-pane", "-p", "-S", "-", "-t", session)), env, 20).out();
  }

  private void waitFor(String session, String regex) {
    waitFor(session, regex, 90);
  }

  private void waitFor(String session, String regex, int seconds) {
    java.util.regex.Pattern p = java.util.regex.Pattern.compile(regex, java.util.regex.Pattern.MULTILINE);
    long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    String last = "";
    while (System.nanoTime() < end) {
      last = pane(session);
      if (p.matcher(last).find()) {
        return;
      }
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    fail("pane " + session + " never showed /" + regex + "/ within " + seconds + " s; it shows:\n" + last);
  }

}
