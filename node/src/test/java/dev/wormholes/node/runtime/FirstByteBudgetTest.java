package dev.wormholes.node.runtime;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.nat.punch.PunchCodec;
import dev.wormholes.nat.relay.RelayCodec;
import dev.wormholes.node.NodeConfig;
import dev.wormholes.node.WormholesNode;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * One per-source budget covers every first byte on the node's socket, before any parsing or
 * signature check: a flood of punch (0x0E) and relay (0x0F) datagrams from one source is cut to
 * the budget like DHT packets are (issue 12: nothing rate-limited 0x0E and 0x0F). Loopback only.
 */
class FirstByteBudgetTest {
  @Test
  void punchAndRelayFloodsFromOneSourceAreCutBeforeTheEngines() {
    try (WormholesNode node = WormholesNode.start(NodeConfig.builder().inMemory(true).api(null)
            .lanDiscovery(false).portMapping(false).streams(true).socks(null).ratePerSecond(50)
            .listen(new InetSocketAddress("127.0.3.11", 0)).build());
         RawPeer peer = new RawPeer("127.0.3.12", node.udpAddress(), 1)) {
      byte[] punch = Arrays.copyOf(PunchCodec.MAGIC, 200); // a malformed punch datagram
      byte[] relay = new byte[45];
      relay[0] = RelayCodec.FIRST_BYTE;
      for (int i = 0; i < 500; i++) {
        peer.send(punch);
        peer.send(relay);
      }
      // 1000 datagrams against a burst of 100 and 50/s: most are dropped at the socket.
      await().atMost(Duration.ofSeconds(10)).until(() -> node.runtime().counters().droppedRateLimited.get() >= 800);
      assertTrue(node.runtime().counters().droppedRateLimited.get() <= 1000);
    }
  }
}
