package dev.wormholes.node.runtime;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.dht.QueryResult;
import dev.wormholes.node.WormholesNode;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.StoredValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 30 nodes in one JVM over real UDP sockets on loopback: every node finds every other node's
 * presence record, and every value any node stored (15 immutable values, 15 mutable items).
 */
class LoopbackNetworkTest {
  private static final int N = 30;
  private static LoopbackNetwork net;

  @BeforeAll
  static void start() {
    net = LoopbackNetwork.start(N, 2, 10);
    // Joined and published: every node knows some peers and has made its presence record.
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
        .conditionEvaluationListener(c -> {
          if (!c.isSatisfied() && c.getRemainingTimeInMS() < 300) System.out.println("contacts: " + contactCounts());
        })
        .until(() -> net.nodes().stream().allMatch(n -> contacts(n) >= 3
            && n.runtime().presence().join().current() != null));
  }

  private static java.util.List<Integer> contactCounts() {
    return net.nodes().stream().map(LoopbackNetworkTest::contacts).toList();
  }

  @AfterAll
  static void stop() {
    if (net != null) {
      net.close();
    }
  }

  private static int contacts(WormholesNode n) {
    return n.runtime().call((e, now) -> e.contactCount()).join();
  }

  @Test
  void everyNodeFindsEveryPresenceRecord() {
    java.util.Map<NodeId, Long> published = new java.util.HashMap<>();
    for (WormholesNode n : net.nodes()) {
      published.put(n.id(), DhtValues.parsePresence(n.runtime().presence().join().current()).orElseThrow().getSeq());
    }
    // Round r: node i looks up node i+r+1, so each node runs one lookup at a time (30 in flight).
    List<String> problems = new ArrayList<>();
    for (int r = 0; r < N - 1; r++) {
      List<CompletableFuture<String>> round = new ArrayList<>();
      for (int i = 0; i < N; i++) {
        WormholesNode target = net.node((i + r + 1) % N);
        NodeId id = target.id();
        round.add(net.node(i).runtime().query((e, now) -> e.get(id, now))
            .thenApply(res -> presenceProblem(target, published.get(id), res)));
      }
      round.forEach(c -> {
        String p = c.join();
        if (p != null) problems.add(p);
      });
    }
    assertEquals(List.of(), problems, "lookups that failed out of " + N * (N - 1));
  }

  private static String presenceProblem(WormholesNode target, long publishedSeq, QueryResult r) {
    if (!(r instanceof QueryResult.Found f)) {
      return "no record for " + target.id().shortString() + ": " + r.getClass().getSimpleName();
    }
    Presence p = DhtValues.parsePresence(f.value()).orElse(null);
    if (p == null || !DhtValues.keyOf(f.value()).orElseThrow().equals(target.id())) {
      return "wrong record for " + target.id().shortString();
    }
    // The record names the node's own loopback address as a LAN endpoint.
    boolean hasLan = p.getEndpointsList().stream().anyMatch(ep -> ep.getEndpoint().getPort() == target.udpAddress().getPort());
    return Long.compareUnsigned(p.getSeq(), publishedSeq) >= 0 && hasLan ? null
        : "bad record for " + target.id().shortString() + ": " + p;
  }

  @Test
  void everyNodeFindsEveryStoredValue() {
    List<StoredValue> values = new ArrayList<>();
    List<CompletableFuture<QueryResult>> puts = new ArrayList<>();
    // Even nodes store an immutable value, odd nodes a signed mutable item.
    for (int i = 0; i < N; i++) {
      WormholesNode n = net.node(i);
      byte[] text = ("value of node " + i).getBytes(StandardCharsets.UTF_8);
      StoredValue v = i % 2 == 0 ? DhtValues.immutable(text)
          : DhtValues.mutable(n.runtime().identity(), "test".getBytes(StandardCharsets.UTF_8), 7, text);
      values.add(v);
      puts.add(n.runtime().query((e, now) -> e.put(v, now)));
    }
    puts.forEach(p -> {
      QueryResult r = p.join();
      assertTrue(r instanceof QueryResult.Stored s && s.acks() > 0, "put not acknowledged: " + r);
    });
    // Round v: every node gets value v (30 lookups in flight).
    List<String> problems = new ArrayList<>();
    for (StoredValue v : values) {
      NodeId key = DhtValues.keyOf(v).orElseThrow();
      List<CompletableFuture<String>> round = new ArrayList<>();
      for (WormholesNode asker : net.nodes()) {
        round.add(asker.runtime().query((e, now) -> e.get(key, now)).thenApply(r ->
            r instanceof QueryResult.Found f && f.value().equals(v) ? null
                : asker.id().shortString() + " did not get " + key.shortString() + ": " + r.getClass().getSimpleName()));
      }
      round.forEach(c -> {
        String p = c.join();
        if (p != null) problems.add(p);
      });
    }
    assertEquals(List.of(), problems, "gets that failed out of " + values.size() * N);
  }
}
