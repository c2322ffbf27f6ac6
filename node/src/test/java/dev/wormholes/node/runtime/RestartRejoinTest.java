package dev.wormholes.node.runtime;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.dht.QueryResult;
import dev.wormholes.node.NodeConfig;
import dev.wormholes.node.WormholesNode;
import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node restarted on its data dir keeps its id and rejoins from its routing snapshot, no flags. */
class RestartRejoinTest {
  @TempDir
  Path tmp;

  @Test
  void restartKeepsIdAndRejoinsWithoutBootstrap() {
    try (WormholesNode seed = WormholesNode.start(NodeConfig.builder().inMemory(true).api(null).lanDiscovery(false)
        .listen(new InetSocketAddress("127.0.5.1", 0)).build())) {
      NodeConfig.Builder cfg = NodeConfig.builder().dataDir(tmp.resolve("data")).api(null).lanDiscovery(false)
          .listen(new InetSocketAddress("127.0.5.2", 0));
      NodeId id;
      try (WormholesNode first = WormholesNode.start(cfg.bootstrap(seed.udpAddress()).build())) {
        id = first.id();
        await().atMost(Duration.ofSeconds(20)).until(() -> first.runtime().call((e, now) -> e.contactCount()).join() > 0);
      } // clean shutdown saves the snapshot
      NodeConfig noFlags = NodeConfig.builder().dataDir(tmp.resolve("data")).api(null).lanDiscovery(false)
          .listen(new InetSocketAddress("127.0.5.2", 0)).build();
      assertTrue(noFlags.bootstrap().isEmpty());
      try (WormholesNode again = WormholesNode.start(noFlags)) {
        assertEquals(id, again.id(), "the identity is kept");
        await().atMost(Duration.ofSeconds(20)).until(() ->
            again.runtime().call((e, now) -> e.contactCount()).join() > 0
                && seed.runtime().presence().join().current() != null);
        QueryResult r = again.runtime().query((e, now) -> e.findNode(seed.id(), now)).join();
        assertTrue(r instanceof QueryResult.Nodes n && n.closest().stream().anyMatch(c -> c.id().equals(seed.id())),
            "the restarted node reaches the network: " + r);
      }
    }
  }
}
