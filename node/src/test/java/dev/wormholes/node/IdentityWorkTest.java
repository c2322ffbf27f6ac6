package dev.wormholes.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.dht.DhtConfig;
import dev.wormholes.node.store.DataDir;
import dev.wormholes.node.store.LmdbNodeStore;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.KeyProofs;
import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's identity and the network's id work factor: a first start grinds an identity with the
 * public network's work and keeps it; an identity stored without that work (made before the
 * network required it) stops the node with a message saying what to do, and is never replaced.
 */
class IdentityWorkTest {
  @TempDir
  Path tmp;

  private NodeConfig.Builder config(Path data) {
    return NodeConfig.builder().dataDir(data).api(null).lanDiscovery(false).listen(new InetSocketAddress("127.0.6.1", 0));
  }

  @Test
  void aFirstStartGrindsThePublicWorkAndKeepsIt() {
    NodeId id;
    long start = System.nanoTime();
    try (WormholesNode node = WormholesNode.start(config(tmp.resolve("data")).build())) {
      id = node.id();
    }
    System.out.printf("IdentityWorkTest: first start with %d bits of id work took %d ms%n",
        DhtConfig.PUBLIC_ID_WORK_BITS, (System.nanoTime() - start) / 1_000_000);
    assertTrue(KeyProofs.work(id) >= DhtConfig.PUBLIC_ID_WORK_BITS, "work " + KeyProofs.work(id));
    try (WormholesNode again = WormholesNode.start(config(tmp.resolve("data")).build())) {
      assertEquals(id, again.id());
    }
  }

  @Test
  void aStoredIdentityWithoutTheWorkIsRefusedNotReplaced() {
    Path data = tmp.resolve("old");
    Identity old = Identity.generate(new SplittableRandom(61));
    for (long s = 62; KeyProofs.meetsWork(old.id(), 4); s++) old = Identity.generate(new SplittableRandom(s));
    byte[] seed = old.seed();
    try (LmdbNodeStore store = LmdbNodeStore.open(DataDir.open(data).db())) {
      store.identitySeed(() -> seed);
    }
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> WormholesNode.start(config(data).idWorkBits(4).build()).close());
    assertTrue(e.getMessage().contains(old.id().toString()) && e.getMessage().contains("--data"), e.getMessage());
    // Nothing was replaced: private networks only (--no-public) start with the same identity.
    try (WormholesNode node = WormholesNode.start(config(data).idWorkBits(4).publicNetwork(false).streams(true)
        .socks(new InetSocketAddress("127.0.0.1", 0)).build())) {
      assertEquals(old.id(), node.id());
    }
  }
}
