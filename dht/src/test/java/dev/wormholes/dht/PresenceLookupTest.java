package dev.wormholes.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.wire.StoredValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hundreds of engines in virtual time with latency and loss: every node publishes its presence
 * record, and a large sample of (reader, owner) pairs finds it, in O(log n) hops.
 */
class PresenceLookupTest {
  static final int N = 300;

  @Test
  void everySampledNodeFindsEveryOthersPresenceInLogarithmicHops() {
    long seed = Long.getLong("dht.seed", 20261123L);
    System.out.println("PresenceLookupTest seed " + seed);
    SimNet net = new SimNet(seed);
    net.loss = 0.01;
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    long c0 = mx.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    net.grow(N, DhtConfig.defaults());
    long t1 = System.nanoTime();

    List<StoredValue> records = new ArrayList<>();
    for (SimNet.Node n : net.nodes) {
      StoredValue p = SimNet.presenceOf(n, 1, SimNet.WALL_BASE + net.now + 3_600_000);
      records.add(p);
      long q = n.engine.publish(p, net.now);
      QueryResult.Stored s = (QueryResult.Stored) net.await(n, q, 60_000);
      assertTrue(s.acks() >= 10, "publish of node " + n.index + " got " + s.acks() + " acks (seed " + seed + ")");
    }
    long t2 = System.nanoTime();

    List<Integer> hops = new ArrayList<>();
    int lookups = 0;
    int found = 0;
    for (SimNet.Node reader : net.nodes) {
      for (int j = 0; j < 4; j++) {
        SimNet.Node owner = net.nodes.get(net.random.nextInt(N));
        if (owner == reader) continue;
        QueryResult r = net.await(reader, reader.engine.get(owner.id(), net.now), 60_000);
        lookups++;
        if (r instanceof QueryResult.Found f && f.value().equals(records.get(owner.index))) {
          found++;
          hops.add(f.stats().hops());
        }
      }
    }
    long t3 = System.nanoTime();
    Collections.sort(hops);
    int bound = (int) Math.ceil(Math.log(N) / Math.log(2));
    int median = hops.get(hops.size() / 2);
    int max = hops.get(hops.size() - 1);
    System.out.printf("N=%d lookups=%d found=%d hops median=%d p90=%d max=%d bound=%d; grow %d ms, publish %d ms,"
        + " lookups %d ms (wall); cpu %d ms%n", N, lookups, found, median, hops.get(hops.size() * 9 / 10), max, bound,
        (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000, (mx.getCurrentThreadCpuTime() - c0) / 1_000_000);
    assertEquals(lookups, found, "every sampled presence record is found (seed " + seed + ")");
    assertTrue(max <= bound, "hops " + max + " > ceil(log2 n) = " + bound);
    assertTrue(median <= 3, "median hops " + median);
    for (SimNet.Node n : net.nodes) {
      assertTrue(n.engine.contactCount() >= 20, "node " + n.index + " knows " + n.engine.contactCount());
    }

    // FIND_NODE converges on the true k closest (global knowledge) for random targets. A peer
    // whose answer was lost counts as failed and is left out of the result, so this phase runs
    // without loss; with loss the overlap is measured as well.
    int overlapWithLoss = 0;
    for (int i = 0; i < 50; i++) {
      SimNet.Node from = net.nodes.get(net.random.nextInt(N));
      dev.wormholes.proto.NodeId target = RoutingTablePropertiesTest.randomId(net.random);
      QueryResult.Nodes r = (QueryResult.Nodes) net.await(from, from.engine.findNode(target, net.now), 60_000);
      List<dev.wormholes.proto.NodeId> truth = new ArrayList<>(net.nodes.stream().map(SimNet.Node::id)
          .filter(id -> !id.equals(from.id())).toList());
      truth.sort(target::compareDistance);
      overlapWithLoss += (int) r.closest().stream().map(Contact::id).filter(truth.subList(0, 20)::contains).count();
    }
    System.out.printf("findNode with 1%% loss: mean overlap with the true 20 closest %.2f%n", overlapWithLoss / 50.0);
    assertTrue(overlapWithLoss / 50.0 >= 19, "mean overlap " + overlapWithLoss / 50.0);
    net.loss = 0;
    int exact = 0;
    int lookupsFind = 200;
    List<Integer> findHops = new ArrayList<>();
    for (int i = 0; i < lookupsFind; i++) {
      SimNet.Node from = net.nodes.get(net.random.nextInt(N));
      dev.wormholes.proto.NodeId target = RoutingTablePropertiesTest.randomId(net.random);
      QueryResult.Nodes r = (QueryResult.Nodes) net.await(from, from.engine.findNode(target, net.now), 60_000);
      List<dev.wormholes.proto.NodeId> truth = new ArrayList<>(net.nodes.stream().map(SimNet.Node::id)
          .filter(id -> !id.equals(from.id())).toList());
      truth.sort(target::compareDistance);
      if (r.closest().stream().map(Contact::id).toList().equals(truth.subList(0, 20))) exact++;
      findHops.add(r.stats().hops());
    }
    Collections.sort(findHops);
    System.out.printf("findNode: exact k-closest %d/%d, hops median=%d max=%d%n", exact, lookupsFind,
        findHops.get(lookupsFind / 2), findHops.get(lookupsFind - 1));
    assertTrue(exact >= lookupsFind * 98 / 100, "exact k closest in only " + exact + "/" + lookupsFind);
    assertTrue(findHops.get(lookupsFind - 1) <= bound);
  }
}
