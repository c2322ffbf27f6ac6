package dev.wormholes.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.wire.StoredValue;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Lookups terminate, and still find records, when 30% of the nodes stop answering. */
class UnresponsiveNodesTest {
  @Test
  void lookupsTerminateAndFindRecordsWithThirtyPercentUnresponsive() {
    long seed = Long.getLong("dht.seed", 3030L);
    System.out.println("UnresponsiveNodesTest seed " + seed);
    SimNet net = new SimNet(seed);
    net.grow(150, DhtConfig.defaults());
    List<StoredValue> records = new ArrayList<>();
    for (SimNet.Node n : net.nodes) {
      StoredValue p = SimNet.presenceOf(n, 1, SimNet.WALL_BASE + net.now + 3_600_000);
      records.add(p);
      net.await(n, n.engine.publish(p, net.now), 60_000);
    }
    List<SimNet.Node> live = new ArrayList<>();
    for (SimNet.Node n : net.nodes) {
      if (net.random.nextDouble() < 0.3) n.down = true;
      else live.add(n);
    }
    int lookups = 0;
    int found = 0;
    long longest = 0;
    for (int i = 0; i < 100; i++) {
      SimNet.Node reader = live.get(net.random.nextInt(live.size()));
      SimNet.Node owner = live.get(net.random.nextInt(live.size()));
      if (owner == reader) continue;
      QueryResult r = net.await(reader, reader.engine.get(owner.id(), net.now), 60_000); // throws if it never ends
      lookups++;
      longest = Math.max(longest, r.stats().durationMs());
      if (r instanceof QueryResult.Found f && f.value().equals(records.get(owner.index))) found++;
      QueryResult.Nodes nodes = assertInstanceOf(QueryResult.Nodes.class,
          net.await(reader, reader.engine.findNode(RoutingTablePropertiesTest.randomId(new java.util.SplittableRandom(i)), net.now), 60_000));
      for (Contact c : nodes.closest()) {
        assertTrue(live.stream().anyMatch(n -> n.id().equals(c.id())), "an unresponsive node in a result");
      }
    }
    System.out.printf("live=%d lookups=%d found=%d longest=%d ms (virtual)%n", live.size(), lookups, found, longest);
    assertEquals(lookups, found, "records of live nodes are still found");
    assertTrue(longest < 20_000, "a lookup took " + longest + " ms");
  }

  @Test
  void aNodeWhoseEveryContactIsGoneStillFinishes() {
    System.out.println("UnresponsiveNodesTest alone seed 3031");
    SimNet net = new SimNet(3031);
    net.grow(40, DhtConfig.defaults());
    SimNet.Node alone = net.nodes.get(0);
    for (SimNet.Node n : net.nodes) if (n != alone) n.down = true;
    QueryResult r = net.await(alone, alone.engine.get(net.nodes.get(5).id(), net.now), 60_000);
    QueryResult.NotFound nf = assertInstanceOf(QueryResult.NotFound.class, r);
    assertTrue(nf.closest().isEmpty());
    assertTrue(nf.stats().timeouts() > 0);
  }
}
