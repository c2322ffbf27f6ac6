package dev.wormholes.node.networks;

import dev.wormholes.node.NodeConfig;
import dev.wormholes.node.WormholesNode;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * In-process nodes for the tests that restart members: private networks only, data dir kept on
 * disk, listening on loopback, with no API, SOCKS, LAN discovery or port mapping.
 */
final class KeptNodes {
  private KeptNodes() {}

  /** Start a node keeping its data in {@code dir}, listening on {@code listen}. */
  static WormholesNode start(Path dir, InetSocketAddress listen) {
    return WormholesNode.start(NodeConfig.builder().dataDir(dir).api(null).lanDiscovery(false)
        .portMapping(false).streams(true).socks(null).publicNetwork(false).listen(listen).build());
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
