package dev.wormholes.node.discovery;

import dev.wormholes.nat.lan.Announce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.node.it.Exec;
import dev.wormholes.node.it.Netns;
import dev.wormholes.proto.NodeId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
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
    byte[] padded = a.encode();
    padded[padded.length - 1] = 1;
    assertEquals(Optional.empty(), Announce.decode(padded), "padding is zeros");
    // The one ping an announce can buy is no larger than the announce.
    assertTrue(a.encode().length >= dev.wormholes.dht.DhtEngine.SEED_PING_BYTES);
  }

  @Test
  void twoNodesInALoopbackOnlyNamespaceFindEachOther() throws Exception {
    try (Netns ns = Netns.create()) {
      assertEquals(0, Exec.run(20, "ip", "-n", ns.name(), "link", "set", "lo", "multicast", "on").exit());
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      List<String> cmd = ns.wrap(List.of(java,
          "--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED",
          "-cp", System.getProperty("java.class.path"), LanDiscoveryProbe.class.getName()));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      boolean done = p.waitFor(60, TimeUnit.SECONDS);
      if (!done) {
        p.destroyForcibly();
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(done && p.exitValue() == 0 && out.contains("FOUND"), "probe output:\n" + out);
    }
  }
}
