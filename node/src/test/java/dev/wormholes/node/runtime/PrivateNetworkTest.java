package dev.wormholes.node.runtime;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.wormholes.dht.QueryResult;
import dev.wormholes.node.WormholesNode;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.NodeId;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Nodes of a private network (network id 0x5eed) publish and find their presence records: the
 * validator that refuses other networks' records takes their own.
 */
class PrivateNetworkTest {
  private static final long NETWORK = 0x5eedL;
  private LoopbackNetwork net;

  @AfterEach
  void stop() {
    if (net != null) {
      net.close();
    }
  }

  @Test
  void nodesOfAPrivateNetworkFindEachOthersRecords() {
    net = LoopbackNetwork.start(6, 1, 40, NETWORK);
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> net.nodes().stream().allMatch(n -> n.runtime().presence().join().current() != null));
    WormholesNode target = net.node(5);
    NodeId id = target.id();
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> net.node(1).runtime().query((e, now) -> e.get(id, now)).join() instanceof QueryResult.Found);
    QueryResult.Found f = assertInstanceOf(QueryResult.Found.class,
        net.node(1).runtime().query((e, now) -> e.get(id, now)).join());
    assertEquals(NETWORK, DhtValues.parsePresence(f.value()).orElseThrow().getNetworkId());
  }
}
