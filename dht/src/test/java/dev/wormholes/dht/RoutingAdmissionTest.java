package dev.wormholes.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.KeyProofs;
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
 * How contacts enter and leave the engine's routing table: an unknown requester only after its
 * token proved its address and its answer to our ping-back proved its key (and its id meets the
 * work factor), one address prefix only a few times; a full bucket's least-recently-seen contact only after it fails a ping;
 * and how a response reports our observed address.
 */
class RoutingAdmissionTest {
  @Test
  void anUnknownRequesterEntersOnlyAfterProvingItsKeyAtAProvenAddress() throws Exception {
    System.out.println("RoutingAdmissionTest seed 10001");
    Fixture f = new Fixture(10_001, 0);
    Identity stranger = f.newIdentity();
    InetSocketAddress at = SimNet.addressOf(50);
    // A first request proves nothing about its source (it may be spoofed): answered, never pinged back.
    Packet ping = f.request(stranger.id()).setPing(Ping.getDefaultInstance())
        .setPadding(ByteString.copyFrom(new byte[200])).build();
    List<Transmit> first = f.deliver(at, ping.toByteArray());
    assertEquals(1, first.size(), "only the pong");
    ByteString token = Packet.parseFrom(first.get(0).payload()).getToken();
    // With the token we issued to that address, it is pinged back, with a challenge.
    Packet pingBack = pingBack(f, stranger.id(), at, token);
    assertEquals(16, pingBack.getChallenge().size());
    assertEquals(0, f.engine.contactCount(), "a requester is not a contact before it answers us");
    // An answer from another address does not count; without a proof, or with a proof by another
    // key (an id claimed without its key), it is not admitted.
    f.deliver(SimNet.addressOf(51), f.pongFrom(stranger, pingBack, at, true).toByteArray());
    f.deliver(at, f.pongFrom(stranger, pingBack, at, false).toByteArray());
    assertEquals(0, f.engine.contactCount());
    Packet again = pingBack(f, stranger.id(), at, token);
    Identity impostor = f.newIdentity();
    Packet forged = f.pongFrom(stranger, again, at, false).toBuilder()
        .setProof(KeyProofs.prove(impostor, 0, again.getChallenge(), f.identity.id())).build();
    f.deliver(at, forged.toByteArray());
    assertEquals(0, f.engine.contactCount());
    assertEquals(2, f.engine.stats().proofsRefused());
    // A proof over an old challenge is refused too; over the current one it enters.
    Packet third = pingBack(f, stranger.id(), at, token);
    f.deliver(at, f.pongFrom(stranger, pingBack, at, true).toBuilder().setTxid(third.getTxid()).build().toByteArray());
    assertEquals(0, f.engine.contactCount());
    Packet fourth = pingBack(f, stranger.id(), at, token);
    f.deliver(at, f.pongFrom(stranger, fourth, at, true).toByteArray());
    assertEquals(List.of(new Contact(stranger.id(), at)), f.engine.contacts());
    assertEquals(1, f.engine.stats().proofsVerified());
  }

  @Test
  void fourHundredClaimedIdsFromOneHostDoNotSurroundOurId() throws Exception {
    // Issue 12 finding 2: from one ip:port, 400 claimed ids filled a table and took all 20 places
    // closest to the node's id. Now claimed ids never enter (no key), and even with keys one /24
    // holds at most maxPerPrefixInTable places.
    System.out.println("RoutingAdmissionTest sybil seed 10006");
    Fixture f = new Fixture(10_006, 0);
    for (int i = 0; i < 60; i++) {
      f.engine.addContact(new Contact(f.randomId(), address("198.51." + (i / 2) + "." + (10 + i % 2), 7447)), f.now);
    }
    f.drainTransmits();
    int honest = f.engine.contactCount();
    SplittableRandom r = new SplittableRandom(6);
    InetSocketAddress attacker = address("203.0.113.9", 4000);
    ByteString token = f.tokenFor(f.randomId(), attacker);
    int pingBacks = 0;
    for (int i = 0; i < 400; i++) {
      f.now += 60; // within every rate limit
      NodeId claimed = RoutingTablePropertiesTest.idNear(f.identity.id(), 8 + i % 30, r);
      Packet req = f.request(claimed).setToken(token).setPing(Ping.getDefaultInstance()).build();
      for (Transmit t : f.deliver(attacker, req.toByteArray())) {
        Packet p = Packet.parseFrom(t.payload());
        if (!p.hasPing()) continue;
        pingBacks++;
        // The attacker answers, but cannot sign for an id it has no key for.
        Identity fake = f.newIdentity();
        f.deliver(attacker, f.pongFrom(fake, p, attacker, false).toBuilder()
            .setSenderId(ByteString.copyFrom(claimed.toBytes()))
            .setProof(KeyProofs.prove(fake, 0, p.getChallenge(), f.identity.id())).build().toByteArray());
      }
    }
    assertTrue(pingBacks > 0);
    assertEquals(honest, f.engine.contactCount(), "no claimed id entered");
    // With real keys (a Sybil that pays for key pairs), one address still gets few places.
    int admitted = 0;
    for (int i = 0; i < 200; i++) {
      f.now += 60;
      Identity sybil = f.newIdentity();
      InetSocketAddress from = address("203.0.113.9", 5000 + i);
      ByteString t = f.tokenFor(sybil.id(), from);
      Packet pb = pingBack(f, sybil.id(), from, t);
      if (pb == null) continue;
      f.deliver(from, f.pongFrom(sybil, pb, from, true).toByteArray());
      if (f.engine.table().find(sybil.id()) != null) admitted++;
    }
    assertTrue(admitted <= f.engine.config().maxPerPrefixInTable(), admitted + " admitted from one /24");
    long fromAttacker = f.engine.closest(f.identity.id(), 20).stream()
        .filter(c -> c.address().getAddress().equals(attacker.getAddress())).count();
    assertTrue(fromAttacker <= f.engine.config().maxPerPrefixInTable(), fromAttacker + " of the 20 closest");
  }

  @Test
  void anIdShortOfTheWorkFactorIsNotAdmitted() throws Exception {
    System.out.println("RoutingAdmissionTest work seed 10007");
    Fixture f = new Fixture(10_007, 0, DhtConfig.builder().idWorkBits(4).build());
    Identity cheap = null;
    Identity costly = null;
    while (cheap == null || costly == null) {
      Identity i = f.newIdentity();
      if (KeyProofs.work(i.id()) >= 4) costly = i; else cheap = i;
    }
    for (Identity peer : new Identity[] {cheap, costly}) {
      InetSocketAddress at = SimNet.addressOf(peer == cheap ? 90 : 91);
      f.engine.bootstrap(List.of(at), f.now);
      Packet seedPing = Packet.parseFrom(f.drainTransmits().get(0).payload());
      f.deliver(at, f.pongFrom(peer, seedPing, at, true).toByteArray());
    }
    assertNull(f.engine.table().find(cheap.id()), "an id without the work is refused even with a valid proof");
    assertNotNull(f.engine.table().find(costly.id()));
  }

  // Send a PING as `sender` from `at` with `token`; return the engine's ping-back, or null.
  private static Packet pingBack(Fixture f, NodeId sender, InetSocketAddress at, ByteString token) throws Exception {
    Packet req = f.request(sender).setToken(token).setPing(Ping.getDefaultInstance()).build();
    for (Transmit t : f.deliver(at, req.toByteArray())) {
      Packet p = Packet.parseFrom(t.payload());
      if (p.hasPing()) return p;
    }
    return null;
  }

  static InetSocketAddress address(String ip, int port) {
    try {
      return new InetSocketAddress(java.net.InetAddress.getByName(ip), port);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
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
    ByteString token = f.tokenFor(stranger, SimNet.addressOf(82));
    Packet ping = f.request(stranger).setToken(token).setPing(Ping.getDefaultInstance()).build();
    List<Transmit> out = f.deliver(SimNet.addressOf(82), ping.toByteArray());
    assertEquals(1, out.size(), "only the pong");
    assertTrue(Packet.parseFrom(out.get(0).payload()).hasPong());
    assertEquals(0, f.engine.stats().pingBacks());
    // A stranger in a bucket with room is still pinged back.
    NodeId other = RoutingTablePropertiesTest.idNear(self, 3, r);
    Packet ping2 = f.request(other).setToken(f.tokenFor(other, SimNet.addressOf(83))).setPing(Ping.getDefaultInstance()).build();
    assertEquals(2, f.deliver(SimNet.addressOf(83), ping2.toByteArray()).size(), "a pong and a ping-back");
    assertEquals(1, f.engine.stats().pingBacks());
  }

  @Test
  void responsesReportOurObservedAddress() throws Exception {
    System.out.println("RoutingAdmissionTest observed seed 10003");
    Fixture f = new Fixture(10_003, 0);
    Identity seed = f.newIdentity();
    Contact peer = new Contact(seed.id(), SimNet.addressOf(70));
    f.engine.bootstrap(List.of(peer.address()), f.now);
    List<Transmit> out = f.drainTransmits();
    Packet ping = Packet.parseFrom(out.get(0).payload());
    InetSocketAddress seenAs = SimNet.addressOf(99);
    f.engine.handleDatagram(peer.address(), f.pongFrom(seed, ping, seenAs, true).toByteArray(), f.now);
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

  @Test
  void aReplacementCandidateIsNotAskedToProveItsKeyAgain() throws Exception {
    System.out.println("RoutingAdmissionTest replacement proof seed 10007");
    Fixture f = new Fixture(10_007, 0, DhtConfig.builder().k(2).build());
    SplittableRandom r = new SplittableRandom(7);
    // Four contacts in bucket 0 (k = 2): the last two wait as replacements.
    Contact[] c = new Contact[4];
    for (int i = 0; i < c.length; i++) {
      c[i] = new Contact(RoutingTablePropertiesTest.idNear(f.identity.id(), 0, r), SimNet.addressOf(60 + i));
      f.engine.addContact(c[i], f.now);
    }
    Contact second = c[1];
    Contact waiting = c[2];
    Contact later = c[3];
    // Next to the candidate, so that both are among the lookup's k = 2 closest.
    Contact stranger = new Contact(waiting.id().flipBit(NodeId.BITS - 1), SimNet.addressOf(64));
    f.drainTransmits();
    RoutingTable table = table(f.engine);
    assertEquals(List.of(waiting, later), table.replacements(0));

    // A lookup learns of a replacement candidate and of a stranger: only the stranger is challenged
    // (a proof costs it a signature and us a verification; the candidate gave one already).
    f.engine.findNode(waiting.id(), f.now);
    Packet toSecond = null;
    for (Transmit t : f.drainTransmits()) {
      if (t.to().equals(second.address())) toSecond = Packet.parseFrom(t.payload());
    }
    assertNotNull(toSecond);
    Packet nodes = Wire.header(0, toSecond.getTxid(), ByteString.copyFrom(second.id().toBytes()))
        .setNodes(dev.wormholes.proto.wire.Nodes.newBuilder().addAllNodes(Wire.contactsOf(List.of(waiting, stranger))))
        .build();
    Packet toWaiting = null;
    Packet toStranger = null;
    for (Transmit t : f.deliver(second.address(), nodes.toByteArray())) {
      if (t.to().equals(waiting.address())) toWaiting = Packet.parseFrom(t.payload());
      if (t.to().equals(stranger.address())) toStranger = Packet.parseFrom(t.payload());
    }
    assertNotNull(toWaiting);
    assertNotNull(toStranger);
    assertTrue(toWaiting.getChallenge().isEmpty(), "the replacement candidate is not challenged again");
    assertFalse(toStranger.getChallenge().isEmpty(), "a contact outside the table still is");

    // Its answer without a proof is no refusal, and it refreshes its place like a bucket contact's.
    Packet answer = Wire.header(0, toWaiting.getTxid(), ByteString.copyFrom(waiting.id().toBytes()))
        .setNodes(dev.wormholes.proto.wire.Nodes.getDefaultInstance()).build();
    f.deliver(waiting.address(), answer.toByteArray());
    assertEquals(0, f.engine.stats().proofsRefused());
    assertEquals(List.of(later, waiting), table.replacements(0), "most recently seen last");
  }

  private static RoutingTable table(DhtEngine engine) throws ReflectiveOperationException {
    java.lang.reflect.Field field = DhtEngine.class.getDeclaredField("table");
    field.setAccessible(true);
    return (RoutingTable) field.get(engine);
  }

  static Packet pong(Fixture f, NodeId from, Packet request, InetSocketAddress observed) {
    return Wire.header(0, request.getTxid(), ByteString.copyFrom(from.toBytes()))
        .setObserved(Wire.endpoint(observed)).setToken(ByteString.copyFrom(new byte[16]))
        .setPong(Pong.getDefaultInstance()).build();
  }
}
