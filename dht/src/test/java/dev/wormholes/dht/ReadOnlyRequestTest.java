package dev.wormholes.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.Transmit;
import dev.wormholes.proto.wire.FindNode;
import dev.wormholes.proto.wire.Packet;
import dev.wormholes.proto.wire.Ping;
import dev.wormholes.proto.wire.PutValue;
import dev.wormholes.proto.wire.StoredValue;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Read-only requests on the wire (BEP 43 "ro", {@code Packet.read_only}), one engine fed
 * hand-made datagrams: the responder answers a read-only requester as anyone else but never pings
 * it back; a contact it holds at that address is pinged and removed (so never returned) only if it
 * then answers nothing, so spoofed flags evict nobody; a read-only engine
 * flags every request it sends, answers none, and announces a change of mode to its contacts.
 */
class ReadOnlyRequestTest {
  @Test
  void aReadOnlyRequesterIsAnsweredButNeverPingedBack() throws Exception {
    System.out.println("ReadOnlyRequestTest seed 12001");
    Fixture f = new Fixture(12_001, 19); // fewer than k: it is among the closest to every key, so PUTs store
    InetSocketAddress at = SimNet.addressOf(50);
    NodeId stranger = f.randomId();
    Packet ping = f.request(stranger).setReadOnly(true).setPing(Ping.getDefaultInstance())
        .setPadding(ByteString.copyFrom(new byte[200])).build();
    List<Transmit> out = f.deliver(at, ping.toByteArray());
    assertEquals(1, out.size(), "the pong and no ping-back");
    Packet pong = Fixture.responseTo(out, ping);
    assertTrue(pong.hasPong());
    assertEquals(0, f.engine.stats().pingBacks());
    assertEquals(1, f.engine.stats().readOnlyRequestsIn());
    assertEquals(19, f.engine.contactCount());
    // The same request without the flag is pinged back: the flag, not the bucket, made the difference.
    NodeId plainId = f.randomId();
    Packet plain = f.request(plainId).setPing(Ping.getDefaultInstance())
        .setToken(f.tokenFor(plainId, SimNet.addressOf(51))).build();
    assertEquals(2, f.deliver(SimNet.addressOf(51), plain.toByteArray()).size());

    // Anti-amplification still applies: an unpadded FIND_NODE without a token gets a cut answer.
    Packet small = f.request(stranger).setReadOnly(true)
        .setFindNode(FindNode.newBuilder().setTarget(ByteString.copyFrom(f.randomId().toBytes()))).build();
    List<Transmit> cut = f.deliver(at, small.toByteArray());
    assertEquals(1, cut.size());
    assertTrue(cut.get(0).payload().length <= small.toByteArray().length);
    assertTrue(Packet.parseFrom(cut.get(0).payload()).getTruncated());

    // Its PUT with the token issued to its address stores, without one it is refused.
    StoredValue v = DhtValues.immutable("read-only writer".getBytes());
    Packet refused = putFrom(f, at, stranger, v, ByteString.EMPTY);
    assertTrue(refused.hasError());
    assertNull(f.store.get(DhtValues.keyOf(v).orElseThrow()));
    Packet stored = putFrom(f, at, stranger, v, pong.getToken());
    assertTrue(stored.hasPutAck(), stored.toString());
    assertEquals(v, f.store.get(DhtValues.keyOf(v).orElseThrow()));
    assertEquals(1, f.engine.stats().pingBacks(), "only the plain requester was pinged back");
    assertNull(f.engine.table().find(stranger), "the read-only requester never entered");
    assertEquals(4, f.engine.stats().readOnlyRequestsIn());
    assertEquals(0, f.engine.stats().readOnlyChecks(), "a stranger's flag costs no ping");
  }

  @Test
  void aContactThatSendsAReadOnlyRequestIsRemovedAndNoLongerReturned() throws Exception {
    System.out.println("ReadOnlyRequestTest seed 12002");
    Fixture f = new Fixture(12_002, 40);
    Contact held = f.contacts.get(7);
    assertNotNull(f.engine.table().find(held.id()));
    NodeId asker = f.randomId();
    InetSocketAddress askerAt = SimNet.addressOf(60);
    assertTrue(answerNames(f, asker, askerAt, held.id(), held.id()), "before: a FIND_NODE for it returns it");

    // The same id claimed from another address changes nothing (nobody removes a contact by naming it).
    f.deliver(SimNet.addressOf(61), readOnlyPing(f, held.id()).toByteArray());
    assertNotNull(f.engine.table().find(held.id()));
    assertEquals(0, f.engine.stats().readOnlyRemovals());

    int before = f.engine.contactCount();
    List<Transmit> out = f.deliver(held.address(), readOnlyPing(f, held.id()).toByteArray());
    assertEquals(2, out.size(), "it is still answered, and pinged to check");
    Packet check = Packet.parseFrom(out.get(1).payload());
    assertTrue(check.hasPing());
    assertEquals(held.address(), out.get(1).to());
    assertNotNull(f.engine.table().find(held.id()), "not removed on its word alone");
    // A read-only node answers no request: the check times out and it leaves.
    f.now += f.engine.config().maxRequestTimeoutMs();
    f.engine.handleTimeout(f.now);
    f.drainTransmits();
    assertNull(f.engine.table().find(held.id()), "held at that address and silent: removed");
    assertEquals(before - 1, f.engine.contactCount());
    assertEquals(1, f.engine.stats().readOnlyRemovals());
    assertFalse(answerNames(f, asker, askerAt, held.id(), held.id()), "after: never returned to others");
    assertTrue(f.engine.closest(held.id(), 100).stream().noneMatch(c -> c.id().equals(held.id())));
  }

  @Test
  void spoofedReadOnlyRequestsEvictNoContactThatStillAnswers() throws Exception {
    // Issue 12 finding 5: 95 spoofed read_only packets, each with a held contact's address as its
    // source, emptied an 83-contact table. Now each costs the real contact one ping, which it answers.
    System.out.println("ReadOnlyRequestTest spoof seed 12004");
    Fixture f = new Fixture(12_004, 83);
    int before = f.engine.contactCount();
    int pings = 0;
    for (int i = 0; i < 95; i++) {
      Contact victim = f.contacts.get(i % f.contacts.size());
      f.now += 60;
      for (Transmit t : f.deliver(victim.address(), readOnlyPing(f, victim.id()).toByteArray())) {
        Packet p = Packet.parseFrom(t.payload());
        if (!p.hasPing()) continue;
        pings++;
        // The real contact, which never sent anything read-only, answers the check.
        Packet pong = Wire.header(0, p.getTxid(), ByteString.copyFrom(victim.id().toBytes()))
            .setObserved(Wire.endpoint(SimNet.addressOf(5))).setToken(ByteString.copyFrom(new byte[16]))
            .setPong(dev.wormholes.proto.wire.Pong.getDefaultInstance()).build();
        f.deliver(t.to(), pong.toByteArray());
      }
    }
    f.now += 10_000;
    f.engine.handleTimeout(f.now);
    f.drainTransmits();
    assertTrue(pings > 0);
    assertEquals(before, f.engine.contactCount(), "no contact lost");
    assertEquals(0, f.engine.stats().readOnlyRemovals());
  }

  @Test
  void aReadOnlyEngineFlagsItsRequestsAnswersNoneAndAnnouncesChanges() throws Exception {
    System.out.println("ReadOnlyRequestTest seed 12003");
    Fixture f = new Fixture(12_003, 30, DhtConfig.builder().readOnly(true).build());
    assertTrue(f.engine.isReadOnly());
    f.engine.findNode(f.randomId(), f.now);
    List<Transmit> lookup = f.drainTransmits();
    assertFalse(lookup.isEmpty());
    for (Transmit t : lookup) assertTrue(Packet.parseFrom(t.payload()).getReadOnly(), "every request is flagged");

    Packet ping = readOnlyPing(f, f.randomId()).toBuilder().setReadOnly(false).build();
    assertTrue(f.deliver(SimNet.addressOf(70), ping.toByteArray()).isEmpty(), "a read-only node answers nobody");
    assertEquals(1, f.engine.stats().dropped(DropReason.READ_ONLY));
    assertEquals(0, f.engine.stats().pingBacks());

    // Turning it off pings every contact without the flag (so they ping us back), then answers again.
    f.engine.setReadOnly(false, f.now);
    List<Transmit> announce = f.drainTransmits();
    assertEquals(f.engine.contactCount(), announce.size());
    for (Transmit t : announce) {
      Packet p = Packet.parseFrom(t.payload());
      assertTrue(p.hasPing());
      assertFalse(p.getReadOnly());
    }
    assertEquals(f.engine.contactCount(), f.engine.stats().readOnlyAnnouncements());
    Packet again = readOnlyPing(f, f.randomId()).toBuilder().setReadOnly(false).build();
    assertNotNull(Fixture.responseTo(f.deliver(SimNet.addressOf(71), again.toByteArray()), again));
    f.engine.setReadOnly(false, f.now);
    assertTrue(f.drainTransmits().isEmpty(), "no change, no announcement");

    // And back on: every contact hears a flagged ping.
    f.engine.setReadOnly(true, f.now);
    List<Transmit> on = f.drainTransmits();
    assertEquals(f.engine.contactCount(), on.size());
    for (Transmit t : on) assertTrue(Packet.parseFrom(t.payload()).getReadOnly());
  }

  private static Packet readOnlyPing(Fixture f, NodeId sender) {
    return f.request(sender).setReadOnly(true).setPing(Ping.getDefaultInstance())
        .setPadding(ByteString.copyFrom(new byte[200])).build();
  }

  // Ask the fixture (as `asker`, padded to earn a full answer) for the contacts closest to target.
  private static boolean answerNames(Fixture f, NodeId asker, InetSocketAddress at, NodeId target, NodeId wanted)
      throws Exception {
    Packet req = f.request(asker).setFindNode(FindNode.newBuilder().setTarget(ByteString.copyFrom(target.toBytes())))
        .setPadding(ByteString.copyFrom(new byte[1100])).build();
    Packet resp = Fixture.responseTo(f.deliver(at, req.toByteArray()), req);
    assertFalse(resp.getTruncated());
    return Wire.contacts(resp.getNodes().getNodesList()).stream().anyMatch(c -> c.id().equals(wanted));
  }

  private static Packet putFrom(Fixture f, InetSocketAddress from, NodeId sender, StoredValue v, ByteString token)
      throws Exception {
    Packet req = f.request(sender).setReadOnly(true).setToken(token)
        .setPutValue(PutValue.newBuilder().setValue(v)).setPadding(ByteString.copyFrom(new byte[200])).build();
    return Fixture.responseTo(f.deliver(from, req.toByteArray()), req);
  }
}
