package dev.wormholes.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.dht.DhtConfig;
import dev.wormholes.node.api.ApiRoutes;
import dev.wormholes.node.store.DataDir;
import dev.wormholes.node.store.LmdbNodeStore;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.KeyProofs;
import dev.wormholes.proto.NodeId;
import io.netty.handler.codec.http.HttpMethod;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's identity and the network's id work factor: a first start grinds an identity with the
 * public network's work and keeps it; an identity stored without that work (made before the
 * network required it) is never replaced: the node runs read-only in the public DHT (a client
 * others answer but never keep as a contact) and says how to get a full identity.
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
  void aStoredIdentityWithoutTheWorkRunsReadOnlyAndIsNotReplaced() {
    Path data = tmp.resolve("old");
    Identity old = Identity.generate(new SplittableRandom(61));
    for (long s = 62; KeyProofs.meetsWork(old.id(), 4); s++) old = Identity.generate(new SplittableRandom(s));
    byte[] seed = old.seed();
    try (LmdbNodeStore store = LmdbNodeStore.open(DataDir.open(data).db())) {
      store.identitySeed(() -> seed);
    }
    try (WormholesNode full = WormholesNode.start(config(tmp.resolve("full")).idWorkBits(4)
            .listen(new InetSocketAddress("127.0.6.2", 0)).build());
        WormholesNode node = WormholesNode.start(config(data).idWorkBits(4).bootstrap(full.udpAddress()).build())) {
      assertEquals(old.id(), node.id(), "the stored identity is kept");
      assertTrue(node.lacksIdWork() && !full.lacksIdWork());
      assertTrue(node.idWorkNotice().contains(old.id().toString()) && node.idWorkNotice().contains("--data DIR"),
          node.idWorkNotice());
      NodeId oldId = old.id();
      // It joins as a client: it holds the full node, its presence record is stored there, and the
      // full node answers it without ever keeping it as a contact.
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> node.runtime().call((e, now) -> e.contactCount()).join() > 0
          && full.runtime().call((e, now) -> e.store().get(oldId) != null).join());
      assertTrue(node.runtime().call((e, now) -> e.isReadOnly() && !e.hasIdWork()).join());
      assertTrue(full.runtime().call((e, now) -> e.stats().requestsBelowWork() > 0
          && e.contacts().stream().noneMatch(c -> c.id().equals(oldId))).join());
      assertEquals("read-only-no-id-work", dhtMode(node));
    }
    // Private networks only (--no-public) need no work: the same identity runs them as a full node.
    try (WormholesNode node = WormholesNode.start(config(data).idWorkBits(4).publicNetwork(false).streams(true)
        .socks(new InetSocketAddress("127.0.0.1", 0)).build())) {
      assertEquals(old.id(), node.id());
      assertFalse(node.lacksIdWork());
      assertEquals("off", dhtMode(node), "the public DHT answers and sends nothing");
    }
  }

  /** Return the {@code dhtMode} of {@code node}'s {@code GET /v1/status}. */
  private static String dhtMode(WormholesNode node) {
    return new ApiRoutes(node.runtime(), () -> null, () -> { }).route(HttpMethod.GET, "/v1/status", "").join()
        .get("dhtMode").getAsString();
  }
}
