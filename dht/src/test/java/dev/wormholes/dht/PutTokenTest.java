package dev.wormholes.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.ErrorCode;
import dev.wormholes.proto.wire.Packet;
import dev.wormholes.proto.wire.Ping;
import dev.wormholes.proto.wire.PutValue;
import dev.wormholes.proto.wire.StoredValue;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** PUT needs the token the holder issued to the requester's address; anything else is refused. */
class PutTokenTest {
  @Test
  void putWithoutOrWithABadTokenIsRefusedAndAValidOneStores() throws Exception {
    System.out.println("PutTokenTest seed 8001");
    Fixture f = new Fixture(8001, 10);
    InetSocketAddress me = SimNet.addressOf(3);
    NodeId sender = f.randomId();
    StoredValue v = DhtValues.immutable("x".repeat(200).getBytes());
    NodeId key = DhtValues.keyOf(v).orElseThrow();

    assertEquals(ErrorCode.ERROR_BAD_TOKEN, put(f, me, sender, v, ByteString.EMPTY).getError().getCode());
    assertEquals(ErrorCode.ERROR_BAD_TOKEN, put(f, me, sender, v, ByteString.copyFrom(new byte[16])).getError().getCode());
    // A token issued to another address.
    ByteString othersToken = tokenFor(f, SimNet.addressOf(4));
    assertEquals(ErrorCode.ERROR_BAD_TOKEN, put(f, me, sender, v, othersToken).getError().getCode());
    assertNull(f.store.get(key));
    assertEquals(3, f.engine.stats().putsRefused());

    ByteString mine = tokenFor(f, me);
    Packet ok = put(f, me, sender, v, mine);
    assertTrue(ok.hasPutAck(), ok.toString());
    assertEquals(v, f.store.get(key));

    // Still valid after one rotation, not after two.
    f.now += DhtConfig.TOKEN_ROTATE_MS;
    f.engine.handleTimeout(f.now);
    assertTrue(put(f, me, sender, v, mine).hasPutAck());
    f.now += DhtConfig.TOKEN_ROTATE_MS;
    f.engine.handleTimeout(f.now);
    assertEquals(ErrorCode.ERROR_BAD_TOKEN, put(f, me, sender, v, mine).getError().getCode());
  }

  @Test
  void aTokenOlderThanOneRotationIsNotSentAgain() throws Exception {
    // A peer's token is sure to be valid only TOKEN_ROTATE_MS after it arrived (its secret rotates,
    // the previous one stays one more period); a refused one comes back as a cut answer and costs
    // a second round trip, so an older one is not sent: the request goes padded instead.
    System.out.println("PutTokenTest token age seed 8003");
    Fixture f = new Fixture(8003, 10);
    Contact peer = f.contacts.get(0);
    ByteString token = ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
    Packet first = askedFirst(f, peer);
    Packet answer = Wire.header(0, first.getTxid(), ByteString.copyFrom(peer.id().toBytes())).setToken(token)
        .setNodes(dev.wormholes.proto.wire.Nodes.getDefaultInstance()).build();
    f.deliver(peer.address(), answer.toByteArray());
    f.now += DhtConfig.TOKEN_ROTATE_MS - 1;
    assertEquals(token, askedFirst(f, peer).getToken(), "a token younger than one rotation is sent");
    f.now += 1;
    Packet late = askedFirst(f, peer);
    assertTrue(late.getToken().isEmpty(), "an older one is not");
    assertTrue(late.getPadding().size() > 0, "the request to a table contact is padded instead");
  }

  // Start a lookup of peer's id and return the request it sends peer (the closest, asked first).
  private static Packet askedFirst(Fixture f, Contact peer) throws Exception {
    f.engine.findNode(peer.id(), f.now);
    for (dev.wormholes.proto.engine.Transmit t : f.drainTransmits()) {
      if (t.to().equals(peer.address())) return Packet.parseFrom(t.payload());
    }
    throw new AssertionError("the peer was not asked");
  }

  @Test
  void casMismatchAndAFullStoreAreRefused() throws Exception {
    System.out.println("PutTokenTest cas seed 8002");
    Fixture f = new Fixture(8002, 10, DhtConfig.builder().maxStoredValues(1).build());
    InetSocketAddress me = SimNet.addressOf(3);
    NodeId sender = f.randomId();
    ByteString token = tokenFor(f, me);
    dev.wormholes.proto.Identity owner = dev.wormholes.proto.Identity.generate(new java.util.SplittableRandom(1));
    StoredValue m1 = DhtValues.mutable(owner, "s".getBytes(), 1, "one".getBytes());
    StoredValue m2 = DhtValues.mutable(owner, "s".getBytes(), 2, "two".getBytes());
    StoredValue m3 = DhtValues.mutable(owner, "s".getBytes(), 3, "three".getBytes());
    assertTrue(put(f, me, sender, m1, token, 0).hasPutAck());
    assertEquals(ErrorCode.ERROR_CAS_MISMATCH, put(f, me, sender, m2, token, 7).getError().getCode());
    assertTrue(put(f, me, sender, m2, token, 1).hasPutAck(), "cas equal to the held seq");
    assertEquals(ErrorCode.ERROR_STALE, put(f, me, sender, m1, token, 0).getError().getCode());
    assertEquals(ErrorCode.ERROR_STORE_FULL,
        put(f, me, sender, DhtValues.immutable("other".getBytes()), token, 0).getError().getCode());
    assertTrue(put(f, me, sender, m3, token, 0).hasPutAck(), "a held key may still be updated when full");
    assertEquals(m3, f.store.get(DhtValues.keyOf(m3).orElseThrow()));
  }

  private static ByteString tokenFor(Fixture f, InetSocketAddress from) throws Exception {
    Packet ping = f.request(f.randomId()).setPing(Ping.getDefaultInstance())
        .setPadding(ByteString.copyFrom(new byte[200])).build();
    return Fixture.responseTo(f.deliver(from, ping.toByteArray()), ping).getToken();
  }

  private static Packet put(Fixture f, InetSocketAddress from, NodeId sender, StoredValue v, ByteString token)
      throws Exception {
    return put(f, from, sender, v, token, 0);
  }

  private static Packet put(Fixture f, InetSocketAddress from, NodeId sender, StoredValue v, ByteString token, long cas)
      throws Exception {
    Packet req = f.request(sender).setToken(token).setPutValue(PutValue.newBuilder().setValue(v).setCas(cas)).build();
    f.now += 100;
    return Fixture.responseTo(f.deliver(from, req.toByteArray()), req);
  }
}
