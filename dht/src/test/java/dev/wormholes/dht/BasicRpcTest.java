package dev.wormholes.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.StoredValue;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** FIND_NODE, PUT and GET between a few engines in virtual time. */
class BasicRpcTest {
  @Test
  void findPutAndGetAmongTwentyNodes() {
    long seed = 42;
    System.out.println("BasicRpcTest seed " + seed);
    SimNet net = new SimNet(seed);
    net.grow(20, DhtConfig.defaults());
    SimNet.Node a = net.nodes.get(3);
    SimNet.Node b = net.nodes.get(17);

    QueryResult r = net.await(a, a.engine.findNode(b.id(), net.now), 30_000);
    QueryResult.Nodes nodes = assertInstanceOf(QueryResult.Nodes.class, r);
    assertEquals(b.id(), nodes.closest().get(0).id());

    StoredValue v = DhtValues.immutable("hello wormholes".getBytes(StandardCharsets.UTF_8));
    QueryResult.Stored stored = assertInstanceOf(QueryResult.Stored.class, net.await(a, a.engine.put(v, net.now), 30_000));
    assertTrue(stored.acks() >= 10, "acks " + stored.acks());

    NodeId key = DhtValues.keyOf(v).orElseThrow();
    QueryResult.Found found = assertInstanceOf(QueryResult.Found.class, net.await(b, b.engine.get(key, net.now), 30_000));
    assertEquals(v, found.value());
    assertEquals(0, a.engine.stats().droppedTotal(), a.engine.stats().toString());
  }
}
