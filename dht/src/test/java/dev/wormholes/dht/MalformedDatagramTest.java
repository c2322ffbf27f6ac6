package dev.wormholes.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.Limits;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.Endpoint;
import dev.wormholes.proto.wire.FindNode;
import dev.wormholes.proto.wire.Nodes;
import dev.wormholes.proto.wire.Packet;
import dev.wormholes.proto.wire.Ping;
import java.net.InetSocketAddress;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Truncated, random, oversized, wrong-network and otherwise malformed datagrams are dropped and
 * counted by reason, never throw, and leave the engine serving.
 */
class MalformedDatagramTest {
  private final InetSocketAddress from = SimNet.addressOf(9);

  @Test
  void everyPrefixOfAValidRequestIsHandledWithoutThrowing() throws Exception {
    System.out.println("MalformedDatagramTest prefixes seed 9001");
    Fixture f = new Fixture(9001, 30);
    Packet req = f.request(f.randomId()).setFindNode(FindNode.newBuilder()
        .setTarget(ByteString.copyFrom(f.randomId().toBytes()))).setPadding(ByteString.copyFrom(new byte[300])).build();
    byte[] bytes = req.toByteArray();
    for (int len = 0; len < bytes.length; len++) {
      f.now += 25;
      f.deliver(from, Arrays.copyOf(bytes, len));
    }
    DhtStats s = f.engine.stats();
    assertEquals(bytes.length, s.datagramsIn());
    // Prefixes may end exactly between fields and then parse; anything that is not a full
    // valid request is dropped, never answered with an exception.
    assertTrue(s.droppedTotal() >= bytes.length - 400, s.toString());
    assertServing(f);
  }

  @Test
  void randomAndOversizedDatagramsAreDroppedAndCounted() throws Exception {
    long seed = 9002;
    System.out.println("MalformedDatagramTest random seed " + seed);
    Fixture f = new Fixture(seed, 30);
    int n = 5_000;
    for (int i = 0; i < n; i++) {
      byte[] b = new byte[f.random.nextInt(1, 1600)];
      f.random.nextBytes(b);
      if (i % 2 == 0) b[0] = Limits.FIRST_BYTE; // get past the first check half the time
      f.deliver(from, b);
    }
    f.deliver(from, new byte[0]);
    f.deliver(from, new byte[Limits.MAX_DATAGRAM + 1]);
    DhtStats s = f.engine.stats();
    assertEquals(n + 2, s.datagramsIn());
    assertEquals(n + 2, s.droppedTotal(), s.droppedByReason().toString());
    assertTrue(s.dropped(DropReason.BAD_SIZE) > 0);
    assertTrue(s.dropped(DropReason.BAD_FIRST_BYTE) > 0);
    assertTrue(s.dropped(DropReason.MALFORMED) > 0);
    assertServing(f);
  }

  @Test
  void wrongHeaderFieldsAreDroppedByReason() throws Exception {
    System.out.println("MalformedDatagramTest header seed 9003");
    Fixture f = new Fixture(9003, 30);
    NodeId sender = f.randomId();
    Packet good = f.request(sender).setPing(Ping.getDefaultInstance()).setPadding(ByteString.copyFrom(new byte[200])).build();
    f.deliver(from, good.toBuilder().setNetworkId(99).build().toByteArray());
    f.deliver(from, good.toBuilder().setMagic(0x12345678).build().toByteArray());
    f.deliver(from, good.toBuilder().setVersion(2).build().toByteArray());
    f.deliver(from, good.toBuilder().setSenderId(ByteString.copyFrom(new byte[31])).build().toByteArray());
    f.deliver(from, good.toBuilder().setSenderId(ByteString.copyFrom(f.identity.id().toBytes())).build().toByteArray());
    f.deliver(from, good.toBuilder().clearPing().build().toByteArray());
    f.deliver(from, good.toBuilder().setFindNode(FindNode.newBuilder().setTarget(ByteString.copyFrom(new byte[5])))
        .build().toByteArray());
    // An unsolicited response, and one with too many or malformed contacts.
    Nodes.Builder many = Nodes.newBuilder();
    for (int i = 0; i < Limits.MAX_CONTACTS + 1; i++) {
      many.addNodes(Wire.contact(new Contact(f.randomId(), SimNet.addressOf(i))));
    }
    f.deliver(from, good.toBuilder().setNodes(many).build().toByteArray());
    f.deliver(from, good.toBuilder().setNodes(Nodes.newBuilder().addNodes(dev.wormholes.proto.wire.Contact.newBuilder()
        .setId(ByteString.copyFrom(new byte[32])).setEndpoint(Endpoint.newBuilder()
            .setIp(ByteString.copyFrom(new byte[3])).setPort(1)))).build().toByteArray());
    f.deliver(from, good.toBuilder().setNodes(Nodes.getDefaultInstance()).build().toByteArray());
    DhtStats s = f.engine.stats();
    assertEquals(1, s.dropped(DropReason.WRONG_NETWORK));
    assertEquals(1, s.dropped(DropReason.BAD_MAGIC));
    assertEquals(1, s.dropped(DropReason.BAD_VERSION));
    assertEquals(1, s.dropped(DropReason.BAD_SENDER));
    assertEquals(4, s.dropped(DropReason.BAD_BODY), s.droppedByReason().toString()); // short sender, no body, short target, bad endpoint
    assertEquals(1, s.dropped(DropReason.TOO_MANY_CONTACTS));
    assertEquals(1, s.dropped(DropReason.UNEXPECTED_RESPONSE));
    assertServing(f);
  }

  @Test
  void aFloodFromOneSourceIsRateLimited() throws Exception {
    System.out.println("MalformedDatagramTest flood seed 9004");
    Fixture f = new Fixture(9004, 30);
    int answered = 0;
    for (int i = 0; i < 200; i++) {
      Packet p = f.request(f.randomId()).setPing(Ping.getDefaultInstance()).setPadding(ByteString.copyFrom(new byte[200])).build();
      if (Fixture.responseTo(f.deliver(from, p.toByteArray()), p) != null) answered++;
    }
    assertEquals(f.engine.config().maxRequestsPerSecondPerSource(), answered);
    assertEquals(200 - answered, f.engine.stats().dropped(DropReason.RATE_LIMITED));
    assertServing(f);
  }

  private void assertServing(Fixture f) throws Exception {
    f.now += 5_000;
    Packet ping = f.request(f.randomId()).setPing(Ping.getDefaultInstance()).setPadding(ByteString.copyFrom(new byte[200])).build();
    Packet pong = Fixture.responseTo(f.deliver(SimNet.addressOf(77), ping.toByteArray()), ping);
    assertNotNull(pong);
    assertTrue(pong.hasPong());
  }
}
