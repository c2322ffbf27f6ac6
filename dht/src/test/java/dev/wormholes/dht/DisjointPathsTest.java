package dev.wormholes.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.wire.StoredValue;
import org.junit.jupiter.api.Test;

/** S/Kademlia disjoint paths: with d = 2 and d = 4 every record is still found. */
class DisjointPathsTest {
  @Test
  void twoPathsFindRecords() {
    run(2);
  }

  @Test
  void fourPathsFindRecords() {
    run(4);
  }

  private static void run(int d) {
    long seed = Long.getLong("dht.seed", 5000L + d);
    System.out.println("DisjointPathsTest d=" + d + " seed " + seed);
    SimNet net = new SimNet(seed);
    net.grow(120, DhtConfig.builder().disjointPaths(d).build());
    int lookups = 0;
    int found = 0;
    for (int i = 0; i < 40; i++) {
      SimNet.Node owner = net.nodes.get(net.random.nextInt(net.nodes.size()));
      StoredValue p = SimNet.presenceOf(owner, 1 + i, SimNet.WALL_BASE + net.now + 3_600_000);
      QueryResult.Stored s = (QueryResult.Stored) net.await(owner, owner.engine.publish(p, net.now), 60_000);
      assertTrue(s.acks() >= 15, "acks " + s.acks());
      SimNet.Node reader = net.nodes.get(net.random.nextInt(net.nodes.size()));
      if (reader == owner) continue;
      QueryResult r = net.await(reader, reader.engine.get(owner.id(), net.now), 60_000);
      lookups++;
      if (r instanceof QueryResult.Found f && f.value().equals(p)) found++;
    }
    assertEquals(lookups, found);
  }
}
