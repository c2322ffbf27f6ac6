package dev.wormholes.node.networks;

import dev.wormholes.node.NodeConfig;
import dev.wormholes.node.WormholesNode;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * In-process nodes for the tests of this package: private networks only, listening on loopback,
 * with no API, SOCKS, LAN discovery or port mapping; a data dir kept on disk for the tests that
 * restart members, or none.
 */
final class KeptNodes {
  private KeptNodes() {}

  /** Start a node keeping its data in {@code dir}, listening on {@code listen}. */
  static WormholesNode start(Path dir, InetSocketAddress listen) {
    return WormholesNode.start(NodeConfig.builder().dataDir(dir).api(null).lanDiscovery(false)
        .portMapping(false).streams(true).socks(null).publicNetwork(false).listen(listen).build());
  }

  /** Start a node that keeps nothing, listening on {@code ip} (any port). */
  static WormholesNode inMemory(String ip) {
    return WormholesNode.start(NodeConfig.builder().inMemory(true).api(null).lanDiscovery(false)
        .portMapping(false).streams(true).socks(null).publicNetwork(false)
        .listen(new InetSocketAddress(ip, 0)).build());
  }

  /** Close every node of {@code nodes} that is not null. */
  static void close(WormholesNode... nodes) {
    for (WormholesNode n : nodes) {
      if (n != null) {
        n.close();
      }
    }
  }
}
