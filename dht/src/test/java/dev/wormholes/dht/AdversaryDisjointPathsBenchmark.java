package dev.wormholes.dht;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.Nodes;
import dev.wormholes.proto.wire.Packet;
import dev.wormholes.proto.wire.Ping;
import dev.wormholes.proto.wire.StoredValue;
import dev.wormholes.proto.wire.ValueResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * S/Kademlia in miniature: GET success for immutable values among 200 engines when a fraction of
 * them misroute (answer every lookup with the adversaries closest to the target, never a value)
 * and drop stores, for d = 1 and d = 4 disjoint paths. Not in the test suite (it takes a minute);
 * the simulator runs the real experiment at 10 k nodes.
 *
 * <p>Run: {@code ./mvnw -q -B -pl dht test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.wormholes.dht.AdversaryDisjointPathsBenchmark}
 */
public final class AdversaryDisjointPathsBenchmark {
  private AdversaryDisjointPathsBenchmark() {}

  public static void main(String[] args) {
    System.out.println("seed 9090, 200 nodes, 60 GETs per run");
    for (double fr : new double[] {0.3, 0.5}) {
      double d1 = run(1, fr);
      double d4 = run(4, fr);
      System.out.printf("adversaries %.0f%%: success d=1 %.3f, d=4 %.3f (ratio d4/d1 %.3f)%n", fr * 100, d1, d4, d4 / d1);
    }
  }

  static double run(int d, double fraction) {
    SimNet net = new SimNet(9090);
    net.grow(200, DhtConfig.builder().disjointPaths(d).build());
    Set<NodeId> bad = new HashSet<>();
    List<SimNet.Node> honest = new ArrayList<>();
    List<Contact> badContacts = new ArrayList<>();
    for (SimNet.Node n : net.nodes) {
      if (net.random.nextDouble() < fraction) { bad.add(n.id()); badContacts.add(n.contact()); } else honest.add(n);
    }
    Map<Long, NodeId> targets = new HashMap<>();
    net.tap = (to, bytes) -> {
      try {
        Packet p = Packet.parseFrom(bytes);
        NodeId sender = NodeId.of(p.getSenderId().toByteArray());
        if (bad.contains(to.id())) {
          if (p.hasFindNode()) targets.put(p.getTxid(), NodeId.of(p.getFindNode().getTarget().toByteArray()));
          if (p.hasGetValue()) targets.put(p.getTxid(), NodeId.of(p.getGetValue().getKey().toByteArray()));
          if (p.hasPutValue()) return p.toBuilder().setPing(Ping.getDefaultInstance()).build().toByteArray();
          return bytes;
        }
        if (bad.contains(sender) && (p.hasNodes() || p.hasValueResponse())) {
          NodeId t = targets.remove(p.getTxid());
          if (t == null) return bytes;
          List<Contact> cs = new ArrayList<>(badContacts);
          cs.sort((a, b) -> t.compareDistance(a.id(), b.id()));
          cs = cs.subList(0, Math.min(20, cs.size()));
          if (p.hasNodes()) return p.toBuilder().setNodes(Nodes.newBuilder().addAllNodes(Wire.contactsOf(cs))).build().toByteArray();
          return p.toBuilder().setValueResponse(ValueResponse.newBuilder().addAllNodes(Wire.contactsOf(cs))).build().toByteArray();
        }
        return bytes;
      } catch (Exception e) {
        return bytes;
      }
    };
    int ok = 0, total = 0;
    for (int i = 0; i < 60; i++) {
      SimNet.Node owner = honest.get(net.random.nextInt(honest.size()));
      StoredValue p = dev.wormholes.proto.DhtValues.immutable(("v" + i).getBytes());
      net.await(owner, owner.engine.put(p, net.now), 60_000);
      SimNet.Node reader = honest.get(net.random.nextInt(honest.size()));
      if (reader == owner) continue;
      total++;
      QueryResult r = net.await(reader, reader.engine.get(dev.wormholes.proto.DhtValues.keyOf(p).orElseThrow(), net.now), 60_000);
      if (r instanceof QueryResult.Found f && f.value().equals(p)) ok++;
    }
    return ok / (double) total;
  }
}
