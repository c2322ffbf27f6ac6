package dev.wormholes.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.KeyProofs;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.Transmit;
import dev.wormholes.proto.wire.FindNode;
import dev.wormholes.proto.wire.Packet;
import dev.wormholes.proto.wire.Ping;
import dev.wormholes.proto.wire.Pong;
import dev.wormholes.proto.wire.PutValue;
import dev.wormholes.proto.wire.StoredValue;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Ids without the network's id work used as DHT clients: an identity stored before the network
 * required the work runs a read-only engine, and the others answer its read-only requests (cut to
 * the request's size until its address is proven, a PUT under the same per-source quota as
 * anyone's) but never admit it; everything else such an id sends is dropped ({@link
 * DropReason#ID_WORK}).
 */
class ReadOnlyWithoutWorkTest {
  private static final int BITS = 8;

  @Test
  void aReadOnlyRequestOfAnIdWithoutTheWorkIsAnsweredButItsSenderNeverEnters() throws Exception {
    System.out.println("ReadOnlyWithoutWorkTest seed 14001");
    Fixture f = new Fixture(14_001, 0, DhtConfig.builder().idWorkBits(BITS).newValuesPerSourcePerHour(5).build());
    SplittableRandom r = new SplittableRandom(14_002);
    // Fewer than k contacts: this node is among the closest to every key, so the store takes PUTs.
    for (int i = 0; i < 15; i++) f.engine.addContact(new Contact(id(r, true), SimNet.addressOf(1000 + i)), f.now);
    f.drainTransmits();
    Identity cheap = keyPair(r, false);
    InetSocketAddress at = address(203, 0, 113, 7);

    // Not read-only, or not a request: dropped as before.
    Packet plain = f.request(cheap.id()).setPing(Ping.getDefaultInstance()).setPadding(ByteString.copyFrom(new byte[300])).build();
    assertEquals(List.of(), f.deliver(at, plain.toByteArray()));
    Packet pong = f.request(cheap.id()).setReadOnly(true).setPong(Pong.getDefaultInstance()).build();
    assertEquals(List.of(), f.deliver(at, pong.toByteArray()));
    assertEquals(2, f.engine.stats().dropped(DropReason.ID_WORK));

    // Read-only: answered, with a key proof over its challenge, and nothing else is sent.
    Packet ping = f.request(cheap.id()).setReadOnly(true).setPing(Ping.getDefaultInstance())
        .setChallenge(ByteString.copyFrom(new byte[KeyProofs.CHALLENGE_BYTES]))
        .setPadding(ByteString.copyFrom(new byte[300])).build();
    List<Transmit> out = f.deliver(at, ping.toByteArray());
    assertEquals(1, out.size(), "the answer only: no ping-back");
    Packet answer = Fixture.responseTo(out, ping);
    assertTrue(answer.hasPong() && answer.hasProof());
    assertTrue(out.get(0).payload().length <= ping.getSerializedSize());
    ByteString token = answer.getToken();

    // An unproven FIND_NODE is cut to its size; with the token it gets the whole answer.
    Packet small = f.request(cheap.id()).setReadOnly(true)
        .setFindNode(FindNode.newBuilder().setTarget(ByteString.copyFrom(f.randomId().toBytes())))
        .setPadding(ByteString.copyFrom(new byte[100])).build();
    Packet cut = Fixture.responseTo(f.deliver(address(198, 51, 100, 9), small.toByteArray()), small);
    assertTrue(cut.getTruncated() && cut.getSerializedSize() <= small.getSerializedSize(), cut.toString());
    Packet asked = small.toBuilder().setTxid(small.getTxid() + 1).setToken(token).build();
    Packet full = Fixture.responseTo(f.deliver(at, asked.toByteArray()), asked);
    assertFalse(full.getTruncated());
    assertEquals(15, full.getNodes().getNodesCount());

    // A PUT with the token is stored like anyone's: a value's admission never read the sender id.
    StoredValue v = DhtValues.immutable("from a client without id work".getBytes());
    Packet put = f.request(cheap.id()).setReadOnly(true).setToken(token).setPutValue(PutValue.newBuilder().setValue(v)).build();
    assertTrue(Fixture.responseTo(f.deliver(at, put.toByteArray()), put).hasPutAck());
    assertNotNull(f.store.get(DhtValues.keyOf(v).orElseThrow()));
    // Free ids buy no more store: a /24's new values stay within its hourly quota, whatever the ids.
    int stored = 1;
    for (int i = 0; i < 20; i++) {
      Identity sybil = keyPair(r, false);
      InetSocketAddress from = address(203, 0, 113, 20 + i);
      Packet hello = f.request(sybil.id()).setReadOnly(true).setPing(Ping.getDefaultInstance())
          .setPadding(ByteString.copyFrom(new byte[300])).build();
      ByteString t = Fixture.responseTo(f.deliver(from, hello.toByteArray()), hello).getToken();
      Packet p = f.request(sybil.id()).setReadOnly(true).setToken(t)
          .setPutValue(PutValue.newBuilder().setValue(DhtValues.immutable(("sybil " + i).getBytes()))).build();
      if (Fixture.responseTo(f.deliver(from, p.toByteArray()), p).hasPutAck()) stored++;
    }
    assertEquals(5, stored, "the source prefix's quota");

    assertEquals(15, f.engine.contactCount());
    for (Contact c : f.engine.contacts()) assertTrue(KeyProofs.meetsWork(c.id(), BITS), c.toString());
    assertNull(f.engine.table().find(cheap.id()));
    assertEquals(0, f.engine.stats().pingBacks());
    assertEquals(44, f.engine.stats().requestsBelowWork());
  }

  @Test
  void anIdWithoutTheWorkRunsReadOnlyAndUsesTheDhtWithoutEnteringAnyTable() {
    long seed = 14_003;
    System.out.println("ReadOnlyWithoutWorkTest network seed " + seed);
    SimNet net = new SimNet(seed);
    DhtConfig full = DhtConfig.builder().idWorkBits(BITS).build();
    for (int i = 0; i < 40; i++) {
      SimNet.Node n = net.add(KeyProofs.grind(net.random, BITS, null), full, new MemoryValueStore());
      if (i > 0) net.await(n, n.engine.bootstrap(List.of(net.nodes.get(net.random.nextInt(i)).address), net.now), 60_000);
    }
    Identity old = keyPair(net.random, false);
    assertThrows(IllegalArgumentException.class, () -> net.add(old, full, new MemoryValueStore()));
    SimNet.Node client = net.add(old, DhtConfig.builder().idWorkBits(BITS).readOnly(true).build(), new MemoryValueStore());
    assertFalse(client.engine.hasIdWork());
    client.engine.setReadOnly(false, net.now); // as a NAT agent that found itself reachable would
    assertTrue(client.engine.isReadOnly(), "without the work it stays read-only");
    net.await(client, client.engine.bootstrap(List.of(net.nodes.get(3).address), net.now), 60_000);
    assertTrue(client.engine.contactCount() >= 20, "its own table: " + client.engine.contactCount());

    long expires = SimNet.WALL_BASE + net.now + 3_600_000;
    SimNet.Node owner = net.nodes.get(17);
    net.await(owner, owner.engine.publish(SimNet.presenceOf(owner, 1, expires), net.now), 60_000);
    QueryResult got = net.await(client, client.engine.get(owner.id(), net.now), 60_000);
    assertTrue(got instanceof QueryResult.Found, "the client looks records up: " + got);
    QueryResult.Stored s = (QueryResult.Stored) net.await(client,
        client.engine.publish(SimNet.presenceOf(client, 1, expires), net.now), 60_000);
    assertTrue(s.acks() >= 10, "its record is stored: " + s.acks() + " acks");
    SimNet.Node reader = net.nodes.get(29);
    assertTrue(net.await(reader, reader.engine.get(client.id(), net.now), 60_000) instanceof QueryResult.Found,
        "others find its record");

    net.runFor(full.bucketRefreshMs() + 60_000);
    long answered = 0;
    for (SimNet.Node n : net.nodes) {
      if (n == client) continue;
      answered += n.engine.stats().requestsBelowWork();
      RoutingTable t = n.engine.table();
      assertNull(t.find(client.id()), "node " + n.index + " holds the client");
      assertTrue(t.replacements(t.bucketIndex(client.id())).stream().noneMatch(c -> c.id().equals(client.id())));
    }
    System.out.printf("requests of the client answered by the others: %d%n", answered);
    assertTrue(answered > 50, "answered " + answered);
    assertEquals(0, client.engine.stats().dropped(DropReason.ID_WORK), "everyone it heard from has the work");
  }

  private static InetSocketAddress address(int a, int b, int c, int d) throws Exception {
    return new InetSocketAddress(InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d}), 7447);
  }

  private static NodeId id(SplittableRandom r, boolean meets) {
    while (true) {
      NodeId id = NodeId.ofWords(r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong());
      if (KeyProofs.meetsWork(id, BITS) == meets) return id;
    }
  }

  private static Identity keyPair(SplittableRandom r, boolean meets) {
    while (true) {
      Identity i = Identity.generate(r);
      if (KeyProofs.meetsWork(i.id(), BITS) == meets) return i;
    }
  }
}
