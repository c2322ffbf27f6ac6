package dev.wormholes.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.Transmit;
import dev.wormholes.proto.wire.Packet;
import dev.wormholes.proto.wire.Ping;
import dev.wormholes.proto.wire.Pong;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * How contacts enter and leave the engine's routing table: an unknown requester only after it
 * answers our ping-back; a full bucket's least-recently-seen contact only after it fails a ping;
 * and how a response reports our observed address.
 */
class RoutingAdmissionTest {
  @Test
  void anUnknownRequesterEntersOnlyAfterAnsweringOurPing() throws Exception {
    System.out.println("RoutingAdmissionTest seed 10001");
    Fixture f = new Fixture(10_001, 0);
    NodeId stranger = f.randomId();
    InetSocketAddress at = SimNet.addressOf(50);
    Packet ping = f.request(stranger).setPing(Ping.getDefaultInstance()).setPadding(ByteString.copyFrom(new byte[200])).build();
    List<Transmit> out = f.deliver(at, ping.toByteArray());
    assertEquals(2, out.size(), "a pong and a ping-back");
    assertEquals(0, f.engine.contactCount(), "a requester is not a contact before it answers us");
    Packet pingBack = Packet.parseFrom(out.get(1).payload());
    assertTrue(pingBack.hasPing());
    // The answer from another address does not count; from the right one it does.
    f.deliver(SimNet.addressOf(51), pong(f, stranger, pingBack, at).toByteArray());
    assertEquals(0, f.engine.contactCount());
    f.deliver(at, pong(f, stranger, pingBack, at).toByteArray());
    assertEquals(List.of(new Contact(stranger, at)), f.engine.contacts());
  }

  @Test
  void aFullBucketEvictsItsOldestOnlyWhenItFailsAPing() throws Exception {
    for (boolean oldestAnswers : new boolean[] {true, false}) {
      System.out.println("RoutingAdmissionTest eviction seed 10002, oldest answers " + oldestAnswers);
      Fixture f = new Fixture(10_002, 0, DhtConfig.builder().k(2).build());
      SplittableRandom r = new SplittableRandom(3);
      NodeId self = f.identity.id();
      Contact oldest = new Contact(RoutingTablePropertiesTest.idNear(self, 0, r), SimNet.addressOf(60));
      Contact second = new Contact(RoutingTablePropertiesTest.idNear(self, 0, r), SimNet.addressOf(61));
      Contact newcomer = new Contact(RoutingTablePropertiesTest.idNear(self, 0, r), SimNet.addressOf(62));
      f.engine.addContact(oldest, f.now);
      f.engine.addContact(second, f.now);
      assertTrue(f.drainTransmits().isEmpty());
      f.engine.addContact(newcomer, f.now);
      List<Transmit> out = f.drainTransmits();
      assertEquals(1, out.size());
      assertEquals(oldest.address(), out.get(0).to(), "the least-recently-seen contact is pinged");
      assertEquals(List.of(oldest, second), f.engine.contacts(), "nobody is evicted before the ping fails");
      Packet ping = Packet.parseFrom(out.get(0).payload());
      if (oldestAnswers) {
        f.deliver(oldest.address(), pong(f, oldest.id(), ping, oldest.address()).toByteArray());
        assertEquals(List.of(second, oldest), f.engine.contacts(), "an answering contact stays, most recently seen");
      } else {
        f.now += f.engine.config().requestTimeoutMs();
        f.engine.handleTimeout(f.now);
        assertEquals(List.of(second, newcomer), f.engine.contacts(), "the silent contact is replaced");
        assertEquals(1, f.engine.stats().evictions());
      }
    }
  }

  @Test
  void aRequesterWhoseBucketIsFullIsNotPingedBack() throws Exception {
    System.out.println("RoutingAdmissionTest full-bucket ping-back seed 10005");
    Fixture f = new Fixture(10_005, 0, DhtConfig.builder().k(2).build());
    SplittableRandom r = new SplittableRandom(5);
    NodeId self = f.identity.id();
    f.engine.addContact(new Contact(RoutingTablePropertiesTest.idNear(self, 0, r), SimNet.addressOf(80)), f.now);
    f.engine.addContact(new Contact(RoutingTablePropertiesTest.idNear(self, 0, r), SimNet.addressOf(81)), f.now);
    assertTrue(f.drainTransmits().isEmpty());
    // A stranger in the full bucket gets its answer and nothing else: no ping-back, and so none of
    // the eviction pings that would start a chain of ping-backs through the network.
    NodeId stranger = RoutingTablePropertiesTest.idNear(self, 0, r);
    Packet ping = f.request(stranger).setPing(Ping.getDefaultInstance()).setPadding(ByteString.copyFrom(new byte[200])).build();
    List<Transmit> out = f.deliver(SimNet.addressOf(82), ping.toByteArray());
    assertEquals(1, out.size(), "only the pong");
    assertTrue(Packet.parseFrom(out.get(0).payload()).hasPong());
    assertEquals(0, f.engine.stats().pingBacks());
    // A stranger in a bucket with room is still pinged back.
    NodeId other = RoutingTablePropertiesTest.idNear(self, 3, r);
    Packet ping2 = f.request(other).setPing(Ping.getDefaultInstance()).setPadding(ByteString.copyFrom(new byte[200])).build();
    assertEquals(2, f.deliver(SimNet.addressOf(83), ping2.toByteArray()).size(), "a pong and a ping-back");
    assertEquals(1, f.engine.stats().pingBacks());
  }

  @Test
  void responsesReportOurObservedAddress() throws Exception {
    System.out.println("RoutingAdmissionTest observed seed 10003");
    Fixture f = new Fixture(10_003, 0);
    Contact peer = new Contact(f.randomId(), SimNet.addressOf(70));
    f.engine.bootstrap(List.of(peer.address()), f.now);
    List<Transmit> out = f.drainTransmits();
    Packet ping = Packet.parseFrom(out.get(0).payload());
    InetSocketAddress seenAs = SimNet.addressOf(99);
    f.engine.handleDatagram(peer.address(), pong(f, peer.id(), ping, seenAs).toByteArray(), f.now);
    DhtEvent e = f.engine.pollEvent();
    assertNotNull(e);
    DhtEvent.AddressObserved o = (DhtEvent.AddressObserved) e;
    assertEquals(seenAs, o.observed());
    assertEquals(peer.id(), o.by().id());
    assertEquals(1, f.engine.contactCount(), "a seed that answered is a contact");
    while (f.engine.pollEvent() != null) { }
    assertNull(f.engine.pollEvent());
    assertFalse(f.engine.pollTimeout() == Long.MAX_VALUE);
  }

  @Test
  void idleBucketsAreRefreshedWithLookups() throws Exception {
    System.out.println("RoutingAdmissionTest refresh seed 10004");
    Fixture f = new Fixture(10_004, 40);
    long before = f.engine.stats().lookupsStarted();
    long end = f.now + f.engine.config().bucketRefreshMs() + f.engine.config().bucketRefreshMs() / 4 + 1;
    int findNodes = 0;
    while (f.now < end) {
      f.now = Math.min(end, f.engine.pollTimeout());
      f.engine.handleTimeout(f.now);
      for (Transmit t : f.drainTransmits()) if (Packet.parseFrom(t.payload()).hasFindNode()) findNodes++;
    }
    assertTrue(f.engine.stats().lookupsStarted() > before, "no refresh lookup ran");
    assertTrue(findNodes > 0);
  }

  static Packet pong(Fixture f, NodeId from, Packet request, InetSocketAddress observed) {
    return Wire.header(0, request.getTxid(), ByteString.copyFrom(from.toBytes()))
        .setObserved(Wire.endpoint(observed)).setToken(ByteString.copyFrom(new byte[16]))
        .setPong(Pong.getDefaultInstance()).build();
  }
}
