package dev.wormholes.dht;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.Transmit;
import dev.wormholes.proto.wire.Nodes;
import dev.wormholes.proto.wire.Packet;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Sybils of one /24 (each its own IP) with ids next to a lookup's target, named in every answer,
 * get at most {@link DhtConfig#maxPerPrefixPerBucket()} of the lookup's requests, as a bucket
 * holds at most that many of one prefix (issue 12: the simulator's eclipse by active Sybils, where
 * they crowded honest nodes out of the lookup's closest set).
 */
class LookupPrefixLimitTest {
  @Test
  void sybilsOfOnePrefixGetAtMostABucketsShareOfALookup() throws Exception {
    int asked = sybilsAsked(DhtConfig.defaults());
    int unlimited = sybilsAsked(DhtConfig.builder().maxPerPrefixPerBucket(0).maxPerPrefixInTable(0).build());
    System.out.printf("Sybil addresses of one /24 asked by one lookup: %d with the limit, %d without%n", asked, unlimited);
    assertTrue(asked >= 1 && asked <= DhtConfig.defaults().maxPerPrefixPerBucket(), "asked " + asked);
    assertTrue(unlimited > 2 * DhtConfig.defaults().maxPerPrefixPerBucket(), "without the limit " + unlimited);
  }

  // Run one FIND_NODE in which every answer names 20 fresh Sybils in 198.51.100.0/24 sharing 200
  // bits with the target; return how many distinct Sybil addresses the lookup sent requests to.
  private static int sybilsAsked(DhtConfig config) throws Exception {
    Fixture f = new Fixture(7101, 40, config);
    NodeId target = f.randomId();
    f.engine.findNode(target, f.now);
    ArrayDeque<Transmit> queue = new ArrayDeque<>(f.drainTransmits());
    Map<InetSocketAddress, NodeId> sybils = new HashMap<>();
    Set<InetSocketAddress> asked = new HashSet<>();
    int next = 1;
    for (int steps = 0; !queue.isEmpty() && steps < 500; steps++) {
      Transmit t = queue.poll();
      Packet req = Packet.parseFrom(t.payload());
      if (!req.hasFindNode()) continue;
      NodeId responder = sybils.get(t.to());
      if (responder != null) {
        asked.add(t.to());
      } else {
        responder = f.contacts.stream().filter(c -> c.address().equals(t.to())).findFirst().orElseThrow().id();
      }
      Nodes.Builder nodes = Nodes.newBuilder();
      for (int i = 0; i < 20 && next < 255; i++, next++) {
        InetSocketAddress at = new InetSocketAddress(InetAddress.getByAddress(new byte[] {(byte) 198, 51, 100, (byte) next}), 7447);
        NodeId id = NodeId.ofWords(target.word(0), target.word(1), target.word(2), target.word(3) ^ (1L << 40) ^ next);
        sybils.put(at, id);
        nodes.addNodes(Wire.contact(new Contact(id, at)));
      }
      byte[] answer = Wire.header(0, req.getTxid(), ByteString.copyFrom(responder.toBytes()))
          .setObserved(Wire.endpoint(SimNet.addressOf(5))).setToken(ByteString.copyFrom(new byte[16]))
          .setNodes(nodes).build().toByteArray();
      queue.addAll(f.deliver(t.to(), answer));
    }
    return asked.size();
  }
}
