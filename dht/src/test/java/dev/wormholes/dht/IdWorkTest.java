package dev.wormholes.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.KeyProofs;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.Transmit;
import dev.wormholes.proto.wire.FindNode;
import dev.wormholes.proto.wire.Nodes;
import dev.wormholes.proto.wire.Packet;
import dev.wormholes.proto.wire.Ping;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The network's id work factor (S/Kademlia's static puzzle, {@link DhtConfig#idWorkBits()}): ids
 * whose SHA-256 lacks the leading zero bits are dropped as senders, refused as contacts and
 * ignored when an answer names them, so they are never admitted, asked or returned. Tests use 8
 * bits (256 key pairs per identity); one runs the public network's default.
 */
class IdWorkTest {
  private static final int BITS = 8;

  @Test
  void idsShortOfTheWorkAreNeverAdmittedAskedNorReturned() throws Exception {
    System.out.println("IdWorkTest seed 7201");
    Fixture f = new Fixture(7201, 0, DhtConfig.builder().idWorkBits(BITS).build());
    SplittableRandom r = new SplittableRandom(7202);
    NodeId target = f.randomId();
    // Contacts handed in: those with the work enter, the others are refused and counted.
    for (int i = 0; i < 30; i++) {
      f.engine.addContact(new Contact(id(r, null, BITS, true), SimNet.addressOf(1000 + i)), f.now);
      f.engine.addContact(new Contact(id(r, target, BITS, false), SimNet.addressOf(2000 + i)), f.now);
    }
    f.drainTransmits();
    assertEquals(30, f.engine.contactCount());
    assertEquals(30, f.engine.stats().contactsBelowWork());

    // A request from an id without the work is dropped before anything reads it, even from a
    // proven address with a real key behind the id: no answer, no ping-back, no admission.
    Identity cheap = keyPair(r, false);
    Identity costly = keyPair(r, true);
    InetSocketAddress at = SimNet.addressOf(77);
    ByteString token = f.tokenFor(costly.id(), at);
    Packet ping = f.request(cheap.id()).setToken(token).setPing(Ping.getDefaultInstance())
        .setPadding(ByteString.copyFrom(new byte[300])).build();
    assertEquals(List.of(), f.deliver(at, ping.toByteArray()));
    assertEquals(1, f.engine.stats().dropped(DropReason.ID_WORK));

    // An answer from an id without the work is dropped too, key proof or not; one with it enters.
    for (Identity seed : new Identity[] {cheap, costly}) {
      InetSocketAddress seedAt = SimNet.addressOf(seed == cheap ? 90 : 91);
      f.engine.bootstrap(List.of(seedAt), f.now);
      Packet seedPing = f.drainTransmits().stream().map(IdWorkTest::parse).filter(Packet::hasPing)
          .findFirst().orElseThrow();
      f.deliver(seedAt, f.pongFrom(seed, seedPing, seedAt, true).toByteArray());
    }
    assertNull(f.engine.table().find(cheap.id()), "a sender without the work is never admitted");
    assertNotNull(f.engine.table().find(costly.id()));
    assertEquals(2, f.engine.stats().dropped(DropReason.ID_WORK));

    // A lookup whose every answer names ids next to the target without the work (each at its own
    // /24, so no prefix limit hides them) never asks them and never returns them.
    long belowBefore = f.engine.stats().contactsBelowWork();
    f.engine.findNode(target, f.now);
    ArrayDeque<Transmit> queue = new ArrayDeque<>(f.drainTransmits());
    Set<InetSocketAddress> named = new HashSet<>();
    Set<InetSocketAddress> asked = new HashSet<>();
    QueryResult result = null;
    for (int steps = 0; steps < 500 && result == null; steps++) {
      Transmit t = queue.poll();
      if (t == null) {
        f.now += 5_000; // the rest time out
        f.engine.handleTimeout(f.now);
      } else {
        asked.add(t.to());
        Packet req = parse(t);
        NodeId responder = f.engine.table().all().stream().filter(c -> c.address().equals(t.to()))
            .map(Contact::id).findFirst().orElse(null);
        if (req.hasFindNode() && responder != null) {
          Nodes.Builder nodes = Nodes.newBuilder();
          for (int i = 0; i < 10; i++) {
            InetSocketAddress a = new InetSocketAddress(InetAddress.getByAddress(
                new byte[] {(byte) 198, (byte) r.nextInt(256), (byte) r.nextInt(256), 1}), 7447);
            named.add(a);
            nodes.addNodes(Wire.contact(new Contact(id(r, target, BITS, false), a)));
          }
          f.engine.handleDatagram(t.to(), Wire.header(0, req.getTxid(), ByteString.copyFrom(responder.toBytes()))
              .setObserved(Wire.endpoint(SimNet.addressOf(5))).setToken(ByteString.copyFrom(new byte[16]))
              .setNodes(nodes).build().toByteArray(), f.now);
        }
      }
      for (Transmit out = f.engine.pollTransmit(); out != null; out = f.engine.pollTransmit()) queue.add(out);
      for (DhtEvent e = f.engine.pollEvent(); e != null; e = f.engine.pollEvent()) {
        if (e instanceof DhtEvent.QueryFinished q) result = q.result();
      }
    }
    assertTrue(result instanceof QueryResult.Nodes, String.valueOf(result));
    List<Contact> closest = ((QueryResult.Nodes) result).closest();
    assertTrue(!closest.isEmpty() && closest.stream().allMatch(c -> KeyProofs.meetsWork(c.id(), BITS)), closest.toString());
    assertTrue(named.size() >= 100, "answers named " + named.size());
    asked.retainAll(named);
    assertEquals(Set.of(), asked, "an id without the work is never asked");
    assertTrue(f.engine.stats().contactsBelowWork() - belowBefore >= named.size());

    // What the engine serves names only ids with the work.
    Packet find = f.request(costly.id()).setToken(f.tokenFor(costly.id(), at))
        .setFindNode(FindNode.newBuilder().setTarget(ByteString.copyFrom(target.toBytes()))).build();
    Packet answer = Fixture.responseTo(f.deliver(at, find.toByteArray()), find);
    assertTrue(answer.getNodes().getNodesCount() > 0);
    for (Contact c : Wire.contacts(answer.getNodes().getNodesList())) {
      assertTrue(KeyProofs.meetsWork(c.id(), BITS), c.toString());
    }
  }

  @Test
  void anEngineWhoseOwnIdLacksTheWorkIsRefused() {
    Identity cheap = keyPair(new SplittableRandom(7203), false);
    assertThrows(IllegalArgumentException.class, () -> new DhtEngine(cheap, DhtConfig.builder().idWorkBits(BITS).build(),
        new SplittableRandom(1), () -> 0L, dev.wormholes.proto.ValueValidator.standard(), new MemoryValueStore()));
  }

  @Test
  void thePublicNetworksDefaultDropsIdsWithoutItsWork() throws Exception {
    int bits = DhtConfig.PUBLIC_ID_WORK_BITS;
    assertTrue(bits >= 12, "the public network's default prices an id at 2^" + bits + " key pairs");
    long start = System.nanoTime();
    Fixture f = new Fixture(7204, 0, DhtConfig.builder().idWorkBits(bits).build()); // grinds its identity
    System.out.printf("IdWorkTest: one identity at the public %d bits ground in %d ms%n",
        bits, (System.nanoTime() - start) / 1_000_000);
    assertTrue(KeyProofs.work(f.identity.id()) >= bits);
    SplittableRandom r = new SplittableRandom(7205);
    NodeId with = id(r, null, bits, true);
    NodeId without = id(r, null, bits, false);
    InetSocketAddress at = SimNet.addressOf(60);
    Packet fromWith = f.request(with).setPing(Ping.getDefaultInstance()).setPadding(ByteString.copyFrom(new byte[300])).build();
    Packet fromWithout = f.request(without).setPing(Ping.getDefaultInstance()).setPadding(ByteString.copyFrom(new byte[300])).build();
    assertNotNull(Fixture.responseTo(f.deliver(at, fromWith.toByteArray()), fromWith));
    assertEquals(List.of(), f.deliver(at, fromWithout.toByteArray()));
    assertEquals(1, f.engine.stats().dropped(DropReason.ID_WORK));
    f.engine.addContact(new Contact(without, SimNet.addressOf(61)), f.now);
    f.engine.addContact(new Contact(with, SimNet.addressOf(62)), f.now);
    assertEquals(1, f.engine.contactCount());
    assertEquals(1, f.engine.stats().contactsBelowWork());
  }

  // A random id with no key behind it (enough for the id check), sharing the first 64 bits of
  // `near` when given, that meets `bits` of work or lacks it.
  private static NodeId id(SplittableRandom r, NodeId near, int bits, boolean meets) {
    while (true) {
      NodeId id = NodeId.ofWords(near != null ? near.word(0) : r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong());
      if (KeyProofs.meetsWork(id, bits) == meets) return id;
    }
  }

  private static Identity keyPair(SplittableRandom r, boolean meets) {
    while (true) {
      Identity i = Identity.generate(r);
      if (KeyProofs.meetsWork(i.id(), BITS) == meets) return i;
    }
  }

  private static Packet parse(Transmit t) {
    try {
      return Packet.parseFrom(t.payload());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }
}
