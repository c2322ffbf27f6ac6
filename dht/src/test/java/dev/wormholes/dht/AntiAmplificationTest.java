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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An unvalidated request is never answered with more bytes than it carried. */
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

  /**
   * The amplification table of dht/README.md: for every kind of DHT datagram, sent from an address
   * that has proved nothing (no token of ours, a fresh id: possibly a spoofed victim's address),
   * the most bytes the engine sends to that address, per byte received, over paddings from none to
   * the largest. Every ratio is at most 1: responses are cut to the request's size and nothing else
   * (no ping-back, no check) goes to an unproven address.
   */
  @Test
  void everyDatagramKindIsBoundedByWhatAnUnprovenAddressSent() throws Exception {
    System.out.println("AntiAmplificationTest table seed 7003");
    Fixture f = new Fixture(7003, 60);
    assertAtMostOne(worstRatios(f, f::randomId));
  }

  /**
   * The same table for senders whose id lacks the network's id work: their read-only requests are
   * answered (a client's), everything else they send is dropped, and no answer exceeds the request.
   */
  @Test
  void idsWithoutTheWorkAreBoundedTheSameWay() throws Exception {
    System.out.println("AntiAmplificationTest id work seed 7005");
    int bits = 4;
    Fixture f = new Fixture(7005, 0, DhtConfig.builder().idWorkBits(bits).build());
    java.util.function.Supplier<NodeId> id = () -> {
      NodeId n = f.randomId();
      while (dev.wormholes.proto.KeyProofs.meetsWork(n, bits) != (f.contacts.size() < 60)) n = f.randomId();
      return n;
    };
    for (int i = 0; i < 60; i++) {
      Contact c = new Contact(id.get(), SimNet.addressOf(1000 + i));
      f.contacts.add(c);
      f.engine.addContact(c, f.now);
    }
    f.drainTransmits();
    assertAtMostOne(worstRatios(f, id));
    assertTrue(f.engine.stats().requestsBelowWork() > 0 && f.engine.stats().dropped(DropReason.ID_WORK) > 0);
  }

  private static void assertAtMostOne(java.util.Map<String, Double> worst) {
    System.out.println("| datagram from an unproven address | most bytes out / bytes in |");
    System.out.println("|---|---|");
    for (var e : worst.entrySet()) {
      System.out.printf("| %s | %.2f |%n", e.getKey(), e.getValue());
      assertTrue(e.getValue() <= 1.0, e.getKey() + ": " + e.getValue());
    }
  }

  // For each datagram kind (with and without a challenge and read_only, padded from none to the
  // largest) from senders drawn from `sender` at fresh addresses: the most bytes sent back per byte in.
  private static java.util.Map<String, Double> worstRatios(Fixture f, java.util.function.Supplier<NodeId> sender) {
    StoredValue v = DhtValues.immutable(new byte[900]);
    NodeId key = DhtValues.keyOf(v).orElseThrow();
    f.store.put(key, v, SimNet.WALL_BASE);
    ByteString challenge = ByteString.copyFrom(new byte[16]);
    java.util.Map<String, Double> worst = new java.util.LinkedHashMap<>();
    java.util.Map<String, java.util.function.Consumer<Packet.Builder>> kinds = new java.util.LinkedHashMap<>();
    kinds.put("PING", b -> b.setPing(Ping.getDefaultInstance()));
    kinds.put("FIND_NODE", b -> b.setFindNode(FindNode.newBuilder().setTarget(ByteString.copyFrom(f.randomId().toBytes()))));
    kinds.put("GET_VALUE (value held)", b -> b.setGetValue(GetValue.newBuilder().setKey(ByteString.copyFrom(key.toBytes()))));
    kinds.put("PUT_VALUE (no valid token)", b -> b.setPutValue(dev.wormholes.proto.wire.PutValue.newBuilder().setValue(v)));
    kinds.put("PONG (unsolicited)", b -> b.setPong(dev.wormholes.proto.wire.Pong.getDefaultInstance()));
    kinds.put("NODES (unsolicited)", b -> b.setNodes(dev.wormholes.proto.wire.Nodes.getDefaultInstance()));
    kinds.put("VALUE_RESPONSE (unsolicited)", b -> b.setValueResponse(dev.wormholes.proto.wire.ValueResponse.getDefaultInstance()));
    kinds.put("PUT_ACK (unsolicited)", b -> b.setPutAck(dev.wormholes.proto.wire.PutAck.getDefaultInstance()));
    kinds.put("ERROR (unsolicited)", b -> b.setError(dev.wormholes.proto.wire.ErrorResponse.getDefaultInstance()));
    int address = 100;
    for (var kind : kinds.entrySet()) {
      for (int variant = 0; variant < 4; variant++) {
        boolean withChallenge = (variant & 1) != 0;
        boolean readOnly = (variant & 2) != 0;
        String name = kind.getKey() + (withChallenge ? " + challenge" : "") + (readOnly ? " + read_only" : "");
        for (int pad : new int[] {0, 50, 100, 150, 200, 300, 600, 1100}) {
          InetSocketAddress from = SimNet.addressOf(address++);
          Packet.Builder b = f.request(sender.get()).setReadOnly(readOnly);
          kind.getValue().accept(b);
          if (withChallenge) b.setChallenge(challenge);
          if (pad > 0) b.setPadding(ByteString.copyFrom(new byte[pad]));
          byte[] in = b.build().toByteArray();
          long out = 0;
          for (Transmit t : f.deliver(from, in)) {
            if (t.to().getAddress().equals(from.getAddress())) out += t.payload().length;
          }
          f.now += 1_000; // pings back and checks, if any were owed, would have their budget
          worst.merge(name, out / (double) in.length, Math::max);
        }
      }
    }
    return worst;
  }

  @Test
  void poisonedContactsDrawNoMoreBytesToTheirAddressThanThePoisonerSent() throws Exception {
    // Issue 12 finding 5: an answer naming a victim's address 20 times made the node send it twenty
    // 1,200-byte padded requests (24x). Now a lookup asks at most two contacts per IP, and requests to
    // addresses that proved nothing are not padded beyond what a cut answer needs.
    System.out.println("AntiAmplificationTest poison seed 7004");
    Fixture f = new Fixture(7004, 30);
    InetAddress victim = InetAddress.getByName("192.0.2.99");
    f.engine.findNode(f.randomId(), f.now);
    List<Transmit> sent = f.drainTransmits();
    int poisonBytes = 0;
    long toVictim = 0;
    for (Transmit t : sent) {
      Packet req = Packet.parseFrom(t.payload());
      Contact from = f.contacts.stream().filter(c -> c.address().equals(t.to())).findFirst().orElseThrow();
      dev.wormholes.proto.wire.Nodes.Builder nodes = dev.wormholes.proto.wire.Nodes.newBuilder();
      for (int i = 0; i < 20; i++) {
        nodes.addNodes(Wire.contact(new Contact(f.randomId(), new InetSocketAddress(victim, 1000 + i))));
      }
      byte[] answer = Wire.header(0, req.getTxid(), ByteString.copyFrom(from.id().toBytes()))
          .setObserved(Wire.endpoint(SimNet.addressOf(5))).setToken(ByteString.copyFrom(new byte[16]))
          .setNodes(nodes).build().toByteArray();
      poisonBytes += answer.length;
      for (Transmit out : f.deliver(from.address(), answer)) {
        if (out.to().getAddress().equals(victim)) toVictim += out.payload().length;
      }
    }
    System.out.printf("poisoned answers %d bytes, sent to the victim %d bytes%n", poisonBytes, toVictim);
    assertTrue(toVictim > 0, "the lookup does try the named contacts (else the test proves nothing)");
    assertTrue(toVictim <= poisonBytes / sent.size(), toVictim + " bytes to the victim for " + poisonBytes);
  }
}
