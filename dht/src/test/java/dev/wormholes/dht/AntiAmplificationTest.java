package dev.wormholes.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.Transmit;
import dev.wormholes.proto.wire.FindNode;
import dev.wormholes.proto.wire.GetValue;
import dev.wormholes.proto.wire.Packet;
import dev.wormholes.proto.wire.Ping;
import dev.wormholes.proto.wire.StoredValue;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An unvalidated request is never answered with more bytes than it carried (DESIGN.md "Wire"). */
class AntiAmplificationTest {
  private final InetSocketAddress requester = SimNet.addressOf(7);

  @Test
  void unvalidatedAnswersAreNeverLargerThanTheirRequests() throws Exception {
    long seed = 7001;
    System.out.println("AntiAmplificationTest seed " + seed);
    Fixture f = new Fixture(seed, 60);
    StoredValue v = DhtValues.immutable(new byte[900]);
    NodeId key = DhtValues.keyOf(v).orElseThrow();
    f.store.put(key, v, SimNet.WALL_BASE);
    int answered = 0;
    for (int i = 0; i < 300; i++) {
      NodeId sender = f.randomId();
      Packet.Builder b = f.request(sender);
      switch (i % 3) {
        case 0 -> b.setPing(Ping.getDefaultInstance());
        case 1 -> b.setFindNode(FindNode.newBuilder().setTarget(ByteString.copyFrom(f.randomId().toBytes())));
        default -> b.setGetValue(GetValue.newBuilder().setKey(ByteString.copyFrom(key.toBytes())));
      }
      int pad = f.random.nextInt(1200);
      if (pad > 0) b.setPadding(ByteString.copyFrom(new byte[pad]));
      Packet req = b.build();
      byte[] bytes = req.toByteArray();
      Packet resp = Fixture.responseTo(f.deliver(requester, bytes), req);
      f.now += 50; // stay under the per-source rate limit
      if (resp == null) continue;
      answered++;
      int size = resp.toByteArray().length;
      assertTrue(size <= bytes.length, "response " + size + " > request " + bytes.length + " for " + req.getBodyCase());
      assertFalse(resp.getToken().isEmpty(), "every response carries a token");
      assertTrue(resp.hasObserved(), "every response carries the observed address");
    }
    assertTrue(answered > 250, "answered " + answered);
    assertTrue(f.engine.stats().truncatedResponsesSent() > 0);
  }

  @Test
  void aTokenEarnsTheFullAnswer() throws Exception {
    System.out.println("AntiAmplificationTest token seed 7002");
    Fixture f = new Fixture(7002, 60);
    NodeId sender = f.randomId();
    Packet small = f.request(sender).setFindNode(FindNode.newBuilder()
        .setTarget(ByteString.copyFrom(f.randomId().toBytes()))).build();
    Packet cut = Fixture.responseTo(f.deliver(requester, small.toByteArray()), small);
    assertNotNull(cut);
    assertTrue(cut.getTruncated());
    assertTrue(cut.getNodes().getNodesCount() < 20);

    Packet again = f.request(sender).setToken(cut.getToken()).setFindNode(FindNode.newBuilder()
        .setTarget(ByteString.copyFrom(f.randomId().toBytes()))).build();
    Packet full = Fixture.responseTo(f.deliver(requester, again.toByteArray()), again);
    assertFalse(full.getTruncated());
    assertEquals(20, full.getNodes().getNodesCount());
    assertTrue(full.toByteArray().length > again.toByteArray().length);

    // The token is bound to the address: from elsewhere it earns nothing.
    InetSocketAddress other = SimNet.addressOf(8);
    List<Transmit> ts = f.deliver(other, again.toByteArray());
    Packet elsewhere = Fixture.responseTo(ts, again);
    assertTrue(elsewhere.getTruncated());
  }
}
