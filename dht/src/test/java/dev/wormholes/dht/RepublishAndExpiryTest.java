package dev.wormholes.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.StoredValue;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Values outlive the holders' time-to-live only while someone re-puts them: the originator
 * republishes, holders re-replicate to the current k closest (newcomers included), expired
 * presence records disappear, and a newer seq published replaces the old one everywhere.
 */
class RepublishAndExpiryTest {
  static final DhtConfig FAST = DhtConfig.builder()
      .republishMs(60_000).replicateMs(120_000).valueTtlMs(180_000).expireCheckMs(10_000).build();

  @Test
  void originatorRepublishKeepsAValueAliveAndANewerSeqReplacesIt() {
    long seed = 6001;
    System.out.println("RepublishAndExpiryTest seed " + seed);
    SimNet net = new SimNet(seed);
    net.grow(40, FAST);
    SimNet.Node owner = net.nodes.get(3);
    StoredValue v1 = DhtValues.mutable(owner.identity, "blog".getBytes(), 1, "first".getBytes());
    StoredValue v2 = DhtValues.mutable(owner.identity, "blog".getBytes(), 2, "second".getBytes());
    NodeId key = DhtValues.keyOf(v1).orElseThrow();
    net.await(owner, owner.engine.publish(v1, net.now), 30_000);
    net.runFor(10 * 60_000); // far past the 3-minute TTL
    assertEquals(v1, found(net, net.nodes.get(20), key));
    net.await(owner, owner.engine.publish(v2, net.now), 30_000);
    net.runFor(5 * 60_000);
    assertEquals(v2, found(net, net.nodes.get(21), key));
    for (SimNet.Node n : net.nodes) {
      StoredValue held = n.engine.store().get(key);
      assertTrue(held == null || held.equals(v2), "node " + n.index + " still holds seq 1");
    }
  }

  @Test
  void holdersReplicateToNewcomersButNeverPastThePublishersLifetime() {
    // Issue 12 finding 3: holders re-put every value hourly, which reset its expiry, so a value
    // stored once lived forever. Now replication carries the publisher's time.
    long seed = 6002;
    System.out.println("RepublishAndExpiryTest replication seed " + seed);
    SimNet net = new SimNet(seed);
    net.grow(40, FAST);
    SimNet.Node owner = net.nodes.get(4);
    StoredValue v = DhtValues.immutable("replicate me".getBytes());
    NodeId key = DhtValues.keyOf(v).orElseThrow();
    long putAt = net.now;
    net.await(owner, owner.engine.put(v, net.now), 30_000);
    owner.down = true;
    net.grow(40, FAST);
    // Past the replication age (2 min), before the lifetime (3 min): holders re-put it once.
    net.runFor(putAt + 170_000 - net.now);
    assertEquals(v, found(net, net.nodes.get(70), key));
    // The current k closest live nodes hold it (replication reached the newcomers).
    List<SimNet.Node> live = new ArrayList<>(net.nodes.stream().filter(n -> !n.down).toList());
    live.sort((a, b) -> key.compareDistance(a.id(), b.id()));
    int holding = 0;
    boolean newcomerHolds = false;
    for (SimNet.Node n : live.subList(0, 20)) {
      if (v.equals(n.engine.store().get(key))) {
        holding++;
        newcomerHolds |= n.index >= 40;
      }
    }
    assertTrue(holding >= 17, "only " + holding + " of the 20 closest hold the value");
    assertTrue(newcomerHolds, "no newcomer among the closest holds it");
    // Its publisher gone, it is gone everywhere one lifetime after it was stored, replication or not.
    net.runFor(12 * 60_000);
    for (SimNet.Node n : net.nodes) assertNull(n.engine.store().get(key), "node " + n.index + " still holds it");
    assertInstanceOf(QueryResult.NotFound.class, net.await(net.nodes.get(71), net.nodes.get(71).engine.get(key, net.now), 30_000));
  }

  @Test
  void expiredPresenceRecordsAreDroppedAndNeverServed() {
    long seed = 6003;
    System.out.println("RepublishAndExpiryTest expiry seed " + seed);
    SimNet net = new SimNet(seed);
    net.grow(30, FAST);
    SimNet.Node owner = net.nodes.get(2);
    StoredValue p = SimNet.presenceOf(owner, 1, SimNet.WALL_BASE + net.now + 90_000);
    net.await(owner, owner.engine.publish(p, net.now), 30_000);
    assertEquals(p, found(net, net.nodes.get(9), owner.id()));
    net.runFor(120_000);
    QueryResult r = net.await(net.nodes.get(10), net.nodes.get(10).engine.get(owner.id(), net.now), 30_000);
    assertInstanceOf(QueryResult.NotFound.class, r);
    net.runFor(20_000);
    for (SimNet.Node n : net.nodes) assertNull(n.engine.store().get(owner.id()), "node " + n.index + " holds an expired record");
    long puts = owner.engine.stats().requestsOut();
    net.runFor(3 * 60_000);
    assertTrue(owner.engine.stats().lookupsStarted() > 0);
    // No republish of the expired record: the owner's only traffic is table maintenance.
    for (SimNet.Node n : net.nodes) assertNull(n.engine.store().get(owner.id()));
    assertTrue(owner.engine.stats().requestsOut() - puts < 200, "owner kept sending " + (owner.engine.stats().requestsOut() - puts));
  }

  private static StoredValue found(SimNet net, SimNet.Node reader, NodeId key) {
    QueryResult r = net.await(reader, reader.engine.get(key, net.now), 30_000);
    return assertInstanceOf(QueryResult.Found.class, r, "not found by node " + reader.index).value();
  }
}
