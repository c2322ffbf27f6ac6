package dev.wormholes.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.Transmit;
import dev.wormholes.proto.wire.Nodes;
import dev.wormholes.proto.wire.Packet;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * How forgiving the routing table is: a contact that misses requests but answers later stays (a
 * late answer credits it), requests lost together count as one failure, a dead contact leaves
 * after {@link DhtConfig#maxFailures()} failures, and one with a replacement waiting is replaced
 * after its first failure.
 */
class ContactFailureTest {
  @Test
  void aContactThatMissesRequestsButAnswersLateStays() throws Exception {
    System.out.println("ContactFailureTest late seed 11001");
    Fixture f = new Fixture(11_001, 0);
    Contact peer = new Contact(f.randomId(), SimNet.addressOf(80));
    f.engine.addContact(peer, f.now);
    // Five lookups at once: five requests to the one contact, all lost together.
    List<Packet> sent = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      f.engine.findNode(f.randomId(), f.now);
      for (Transmit t : f.drainTransmits()) sent.add(Packet.parseFrom(t.payload()));
    }
    assertEquals(5, sent.size());
    timeOut(f);
    assertEquals(5, f.engine.stats().timeouts());
    assertEquals(List.of(peer), f.engine.contacts(), "one lost burst does not evict");
    assertEquals(1, f.engine.table().failures(peer.id()), "requests lost together count once");
    assertEquals(0, f.engine.runningQueries(), "the lookups still end: the peer failed for them");

    f.deliver(peer.address(), nodes(peer.id(), sent.get(0)).toByteArray());
    assertEquals(1, f.engine.stats().dropped(DropReason.LATE_RESPONSE));
    assertEquals(0, f.engine.stats().dropped(DropReason.UNEXPECTED_RESPONSE));
    assertEquals(0, f.engine.table().failures(peer.id()), "a late answer resets the count");

    // The same txid twice, a stranger's answer, and an answer after the grace period are unexpected.
    f.deliver(peer.address(), nodes(peer.id(), sent.get(0)).toByteArray());
    f.deliver(peer.address(), nodes(f.randomId(), sent.get(1)).toByteArray());
    f.now += f.engine.config().lateResponseGraceMs();
    f.deliver(peer.address(), nodes(peer.id(), sent.get(2)).toByteArray());
    assertEquals(3, f.engine.stats().dropped(DropReason.UNEXPECTED_RESPONSE));
    assertEquals(1, f.engine.stats().dropped(DropReason.LATE_RESPONSE));
    assertEquals(List.of(peer), f.engine.contacts());
  }

  @Test
  void aSeedNobodyVouchesForIsPingedOnceWhileARememberedOneIsPingedAgain() {
    System.out.println("ContactFailureTest seeds 11004");
    int once = pingsToADeadSeedOverTenMinutes(false);
    int remembered = pingsToADeadSeedOverTenMinutes(true);
    assertEquals(1, once, "one ping, no retry");
    assertTrue(remembered > once, "a remembered seed is pinged again while the table is empty: " + remembered);
  }

  private static int pingsToADeadSeedOverTenMinutes(boolean remember) {
    Fixture f = new Fixture(11_004, 0);
    java.net.InetSocketAddress seed = SimNet.addressOf(90);
    f.engine.bootstrap(List.of(seed), remember, f.now);
    int pings = 0;
    long end = f.now + 10 * 60_000;
    do {
      for (Transmit t : f.drainTransmits()) {
        assertEquals(seed, t.to());
        assertEquals(DhtEngine.SEED_PING_BYTES, t.payload().length);
        pings++;
      }
      long next = f.engine.pollTimeout();
      f.now = next < 0 ? end : Math.max(f.now, next);
      f.engine.handleTimeout(f.now);
    } while (f.now < end);
    return pings;
  }

  @Test
  void aDeadContactLeavesAfterMaxFailuresInARow() throws Exception {
    System.out.println("ContactFailureTest dead seed 11002");
    Fixture f = new Fixture(11_002, 0);
    Contact dead = new Contact(f.randomId(), SimNet.addressOf(81));
    f.engine.addContact(dead, f.now);
    int max = f.engine.config().maxFailures();
    for (int round = 1; round <= max; round++) {
      assertEquals(List.of(dead), f.engine.contacts(), "still there before failure " + round);
      f.engine.findNode(f.randomId(), f.now);
      assertEquals(1, f.drainTransmits().size());
      timeOut(f);
    }
    assertTrue(f.engine.contacts().isEmpty(), "gone after " + max + " failures in a row");
    assertEquals(1, f.engine.stats().evictions());
  }

  @Test
  void anAnswerBetweenFailuresResetsTheCount() throws Exception {
    System.out.println("ContactFailureTest flaky seed 11003");
    Fixture f = new Fixture(11_003, 0);
    Contact flaky = new Contact(f.randomId(), SimNet.addressOf(82));
    f.engine.addContact(flaky, f.now);
    for (int round = 0; round < 3 * f.engine.config().maxFailures(); round++) {
      f.engine.findNode(f.randomId(), f.now);
      Packet req = Packet.parseFrom(f.drainTransmits().get(0).payload());
      if (round % 2 == 0) {
        timeOut(f);
      } else {
        f.deliver(flaky.address(), nodes(flaky.id(), req).toByteArray());
      }
    }
    assertEquals(List.of(flaky), f.engine.contacts(), "failures that are not consecutive never evict");
    assertEquals(0, f.engine.stats().evictions());
  }

  @Test
  void aFailedContactIsReplacedFromTheReplacementCache() throws Exception {
    System.out.println("ContactFailureTest replace seed 11004");
    Fixture f = new Fixture(11_004, 0, DhtConfig.builder().k(2).build());
    SplittableRandom r = new SplittableRandom(4);
    NodeId self = f.identity.id();
    Contact a = new Contact(RoutingTablePropertiesTest.idNear(self, 0, r), SimNet.addressOf(90));
    Contact b = new Contact(RoutingTablePropertiesTest.idNear(self, 0, r), SimNet.addressOf(91));
    Contact c = new Contact(RoutingTablePropertiesTest.idNear(self, 0, r), SimNet.addressOf(92));
    f.engine.addContact(a, f.now);
    f.engine.addContact(b, f.now);
    f.engine.addContact(c, f.now); // bucket full: c waits, a is pinged and answers
    Packet ping = Packet.parseFrom(f.drainTransmits().get(0).payload());
    f.deliver(a.address(), RoutingAdmissionTest.pong(f, a.id(), ping, a.address()).toByteArray());
    assertEquals(List.of(b, a), f.engine.contacts());
    assertEquals(List.of(c), f.engine.table().replacements(0));

    // b dies: its first failure lets the waiting replacement take its slot.
    f.engine.findNode(b.id(), f.now);
    for (Transmit t : f.drainTransmits()) {
      Packet req = Packet.parseFrom(t.payload());
      if (t.to().equals(a.address())) f.deliver(a.address(), nodes(a.id(), req).toByteArray());
    }
    timeOut(f);
    assertEquals(List.of(a, c), f.engine.contacts(), "b replaced by the waiting candidate");
    assertEquals(1, f.engine.stats().evictions());
    assertNull(f.engine.table().find(b.id()));
    assertNotNull(f.engine.table().find(c.id()));
    assertFalse(f.engine.table().replacements(0).contains(c));
  }

  @Test
  void aNodeThatDiedLeavesEveryTableWhileLiveContactsStay() {
    long seed = Long.getLong("dht.seed", 11_005L);
    System.out.println("ContactFailureTest network seed " + seed);
    SimNet net = new SimNet(seed);
    net.loss = 0.05;
    net.grow(60, DhtConfig.defaults());
    SimNet.Node dead = net.nodes.get(30);
    dead.down = true;
    java.util.Map<SimNet.Node, Integer> before = new java.util.HashMap<>();
    for (SimNet.Node n : net.nodes) before.put(n, n.engine.contactCount());
    for (int round = 0; round < DhtConfig.defaults().maxFailures(); round++) {
      for (SimNet.Node n : net.nodes) {
        if (n != dead) net.await(n, n.engine.findNode(dead.id(), net.now), 60_000);
      }
    }
    int holders = 0;
    for (SimNet.Node n : net.nodes) {
      if (n == dead) continue;
      if (n.engine.table().find(dead.id()) != null) holders++;
      assertTrue(n.engine.contactCount() >= before.get(n) - 1,
          "node " + n.index + " went from " + before.get(n) + " to " + n.engine.contactCount() + " contacts (seed " + seed + ")");
    }
    assertEquals(0, holders, "the dead node is still in " + holders + " tables (seed " + seed + ")");
  }

  private static void timeOut(Fixture f) {
    f.now += f.engine.config().requestTimeoutMs();
    f.engine.handleTimeout(f.now);
    f.drainTransmits();
  }

  static Packet nodes(NodeId from, Packet request) {
    return Wire.header(0, request.getTxid(), ByteString.copyFrom(from.toBytes()))
        .setNodes(Nodes.getDefaultInstance()).build();
  }
}
