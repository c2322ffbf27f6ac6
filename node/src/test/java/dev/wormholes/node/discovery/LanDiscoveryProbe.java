package dev.wormholes.node.discovery;

import dev.wormholes.node.NodeConfig;
import dev.wormholes.node.WormholesNode;
import java.net.InetSocketAddress;

/**
 * Child process of {@link LanDiscoveryTest}, run inside a network namespace that has only
 * loopback: start two nodes with LAN discovery on and no bootstrap flags, and print {@code FOUND}
 * (exit 0) once each has the other in its routing table, or {@code NOT FOUND} (exit 1) after 20 s.
 */
public final class LanDiscoveryProbe {
  private LanDiscoveryProbe() {}

  /** No arguments. */
  public static void main(String[] args) throws InterruptedException {
    NodeConfig.Builder b = NodeConfig.builder().inMemory(true).api(null).lanDiscovery(true);
    try (WormholesNode a = WormholesNode.start(b.listen(new InetSocketAddress("127.0.0.1", 0)).build());
         WormholesNode c = WormholesNode.start(b.listen(new InetSocketAddress("127.0.0.1", 0)).build())) {
      long deadline = System.currentTimeMillis() + 20_000;
      while (System.currentTimeMillis() < deadline) {
        if (knows(a, c) && knows(c, a)) {
          System.out.println("FOUND");
          System.exit(0);
        }
        Thread.sleep(100);
      }
      System.out.println("NOT FOUND");
      System.exit(1);
    }
  }

  private static boolean knows(WormholesNode n, WormholesNode other) {
    return n.runtime().call((e, now) -> e.contacts().stream().anyMatch(k -> k.id().equals(other.id()))).join();
  }
}
