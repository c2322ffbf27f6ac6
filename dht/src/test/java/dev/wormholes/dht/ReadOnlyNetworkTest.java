package dev.wormholes.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.Packet;
import dev.wormholes.proto.wire.StoredValue;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Read-only nodes (BEP 43; libp2p Kademlia's client mode) in a network of engines in virtual time:
 * they look up, get and store like anyone, yet never enter a routing table, are never named in an
 * answer and never receive a request; a node that turns read-only leaves every table (announcement
 * to its contacts, failures at the others) and comes back when it turns back.
 */
class ReadOnlyNetworkTest {
  static final int PUBLIC = 60;
  static final int READ_ONLY = 12;

  @Test
  void readOnlyNodesUseTheDhtWithoutEverEnteringItsTables() {
    long seed = Long.getLong("dht.seed", 13_001L);
    System.out.println("ReadOnlyNetworkTest seed " + seed);
    SimNet net = new SimNet(seed);
    net.grow(PUBLIC, DhtConfig.defaults());
    Set<NodeId> readOnlyIds = new HashSet<>();
    int[] requestsToReadOnly = {0};
    int[] answersNamingReadOnly = {0};
    net.tap = (to, bytes) -> {
      Packet p = parse(bytes);
      if (readOnlyIds.contains(to.id()) && Wire.isRequest(p)) requestsToReadOnly[0]++;
      if (namesAny(p, readOnlyIds)) answersNamingReadOnly[0]++;
      return bytes;
    };
    List<SimNet.Node> readOnly = new ArrayList<>();
    DhtConfig ro = DhtConfig.builder().readOnly(true).build();
    for (int i = 0; i < READ_ONLY; i++) {
      SimNet.Node n = net.add(ro);
      readOnlyIds.add(n.id());
      readOnly.add(n);
      SimNet.Node seedNode = net.nodes.get(net.random.nextInt(PUBLIC));
      net.await(n, n.engine.bootstrap(List.of(seedNode.address), net.now), 60_000);
    }

    // Read-only nodes publish, public nodes publish, each side reads the other's records.
    long expires = SimNet.WALL_BASE + net.now + 3_600_000;
    for (SimNet.Node n : net.nodes) {
      QueryResult.Stored s = (QueryResult.Stored) net.await(n, n.engine.publish(SimNet.presenceOf(n, 1, expires), net.now), 60_000);
      assertTrue(s.acks() >= 10, "publish of node " + n.index + ": " + s.acks() + " acks (seed " + seed + ")");
    }
    for (SimNet.Node reader : readOnly) {
      for (int j = 0; j < 4; j++) {
        SimNet.Node owner = net.nodes.get(net.random.nextInt(PUBLIC));
        assertFound(net, reader, owner, expires);
        QueryResult.Nodes r = (QueryResult.Nodes) net.await(reader, reader.engine.findNode(owner.id(), net.now), 60_000);
        assertTrue(r.closest().stream().anyMatch(c -> c.id().equals(owner.id())), "FIND_NODE by a read-only node");
      }
      assertTrue(reader.engine.contactCount() >= 20, "a read-only node keeps its own table: "
          + reader.engine.contactCount());
    }
    for (SimNet.Node owner : readOnly) {
      for (int j = 0; j < 3; j++) assertFound(net, net.nodes.get(net.random.nextInt(PUBLIC)), owner, expires);
    }
    // Past a bucket refresh, so that maintenance traffic is covered too.
    net.runFor(DhtConfig.defaults().bucketRefreshMs() + 60_000);

    long flagged = 0;
    for (SimNet.Node n : net.nodes.subList(0, PUBLIC)) {
      flagged += n.engine.stats().readOnlyRequestsIn();
      for (NodeId id : readOnlyIds) {
        assertTrue(!holds(n.engine, id), "public node " + n.index + " holds a read-only node (seed " + seed + ")");
      }
    }
    System.out.printf("read-only requests seen by public nodes %d, requests to read-only nodes %d, answers naming"
        + " them %d%n", flagged, requestsToReadOnly[0], answersNamingReadOnly[0]);
    assertTrue(flagged > 1000, "public nodes saw the flag");
    assertEquals(0, requestsToReadOnly[0], "nobody ever sent a request to a read-only node");
    assertEquals(0, answersNamingReadOnly[0], "no answer ever named a read-only node");
  }

  @Test
  void aNodeThatTurnsReadOnlyLeavesEveryTableAndComesBackWhenItTurnsBack() {
    long seed = Long.getLong("dht.seed", 13_002L);
    System.out.println("ReadOnlyNetworkTest toggle seed " + seed);
    SimNet net = new SimNet(seed);
    net.grow(PUBLIC, DhtConfig.defaults());
    SimNet.Node x = net.nodes.get(PUBLIC / 2);
    int before = holders(net, x).size();
    assertTrue(before >= 10, "held by " + before);

    x.engine.setReadOnly(true, net.now);
    net.drain(x);
    net.runFor(5_000);
    List<SimNet.Node> stale = holders(net, x);
    Set<NodeId> announced = new HashSet<>();
    for (Contact c : x.engine.contacts()) announced.add(c.id());
    for (SimNet.Node h : stale) {
      assertTrue(!announced.contains(h.id()), "node " + h.index + " heard the announcement yet holds x");
    }
    System.out.printf("held by %d; after the announcement to its %d contacts %d%n", before, announced.size(), stale.size());
    // Nodes it did not announce to drop it after failed requests: it answers nobody now.
    for (int round = 0; round < RoutingTable.MAX_FAILURES && !holders(net, x).isEmpty(); round++) {
      for (SimNet.Node h : holders(net, x)) net.await(h, h.engine.findNode(x.id(), net.now), 60_000);
    }
    assertEquals(List.of(), holders(net, x), "every stale holder dropped it");
    assertTrue(x.engine.stats().dropped(DropReason.READ_ONLY) > 0 || stale.isEmpty());
    QueryResult.Nodes r = (QueryResult.Nodes) net.await(x, x.engine.findNode(net.nodes.get(3).id(), net.now), 60_000);
    assertTrue(r.closest().stream().anyMatch(c -> c.id().equals(net.nodes.get(3).id())), "it still looks up");

    x.engine.setReadOnly(false, net.now);
    net.drain(x);
    net.runFor(5_000);
    int after = holders(net, x).size();
    System.out.printf("after turning back: held by %d%n", after);
    assertTrue(after >= 10, "back in tables: " + after);
    SimNet.Node asker = net.nodes.get(7);
    QueryResult.Nodes found = (QueryResult.Nodes) net.await(asker, asker.engine.findNode(x.id(), net.now), 60_000);
    assertTrue(found.closest().stream().anyMatch(c -> c.id().equals(x.id())), "found again by others");
  }

  private static void assertFound(SimNet net, SimNet.Node reader, SimNet.Node owner, long expires) {
    StoredValue want = SimNet.presenceOf(owner, 1, expires);
    QueryResult r = net.await(reader, reader.engine.get(owner.id(), net.now), 60_000);
    assertTrue(r instanceof QueryResult.Found f && f.value().equals(want),
        "node " + reader.index + " GET of node " + owner.index + ": " + r + " (seed " + net.seed + ")");
  }

  private static List<SimNet.Node> holders(SimNet net, SimNet.Node x) {
    List<SimNet.Node> out = new ArrayList<>();
    for (SimNet.Node n : net.nodes) if (n != x && holds(n.engine, x.id())) out.add(n);
    return out;
  }

  // In a bucket or a replacement cache.
  private static boolean holds(DhtEngine e, NodeId id) {
    RoutingTable t = e.table();
    return t.find(id) != null || t.replacements(t.bucketIndex(id)).stream().anyMatch(c -> c.id().equals(id));
  }

  private static Packet parse(byte[] bytes) {
    try {
      return Packet.parseFrom(bytes);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  private static boolean namesAny(Packet p, Set<NodeId> ids) {
    List<dev.wormholes.proto.wire.Contact> cs = p.hasNodes() ? p.getNodes().getNodesList()
        : p.hasValueResponse() ? p.getValueResponse().getNodesList() : List.of();
    for (dev.wormholes.proto.wire.Contact c : cs) {
      if (ids.contains(NodeId.of(c.getId().toByteArray()))) return true;
    }
    return false;
  }
}
