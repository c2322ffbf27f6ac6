package dev.wormholes.node.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.NodeId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Two nodes find each other by LAN multicast with no flags. Never run against the real network:
 * the nodes run in a child JVM inside a network namespace that has only loopback (with multicast
 * switched on), created and removed here. Needs root for {@code ip netns}; skipped loudly otherwise.
 */
class LanDiscoveryTest {
  @Test
  void announceRoundTrips() {
    Announce a = new Announce(7, NodeId.of(new byte[32]), 7447);
    assertEquals(Optional.of(a), Announce.decode(a.encode()));
    byte[] bad = a.encode();
    bad[0] ^= 1;
    assertEquals(Optional.empty(), Announce.decode(bad));
    assertEquals(Optional.empty(), Announce.decode(new byte[3]));
  }

  @Test
  void twoNodesInALoopbackOnlyNamespaceFindEachOther() throws Exception {
    if (!"root".equals(System.getProperty("user.name"))) {
      System.err.println("*** LanDiscoveryTest SKIPPED: needs root to create a network namespace ***");
      Assumptions.abort("needs root for ip netns");
    }
    String ns = "wh-lan-" + ProcessHandle.current().pid();
    run("ip", "netns", "add", ns);
    try {
      run("ip", "-n", ns, "link", "set", "lo", "up");
      run("ip", "-n", ns, "link", "set", "lo", "multicast", "on");
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, java,
          "--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED",
          "-cp", System.getProperty("java.class.path"), LanDiscoveryProbe.class.getName()));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      boolean done = p.waitFor(60, TimeUnit.SECONDS);
      if (!done) {
        p.destroyForcibly();
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(done && p.exitValue() == 0 && out.contains("FOUND"), "probe output:\n" + out);
    } finally {
      run("ip", "netns", "del", ns);
    }
  }

  private static void run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", cmd) + ": " + out);
  }
}
