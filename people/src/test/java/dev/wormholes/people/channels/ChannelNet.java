package dev.wormholes.people.channels;

import dev.wormholes.networks.NetworkId;
import dev.wormholes.networks.wire.InviteLink;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * Channel engines in virtual time over a lossy network: each node has its own clock (a fixed skew
 * from the network's), messages are lost, delayed (so reordered) and duplicated at the given rates;
 * an answer travels back the same way. The driver's reports: an answer ends its exchange; a request
 * lost or sent to a node that is down, or an answer lost, is reported failed to the asker when the
 * message would have arrived. Saves are checked to be drained and kept per node.
 */
final class ChannelNet {
  final Random random;
  final Map<NodeId, Node> nodes = new LinkedHashMap<>();
  private final PriorityQueue<Flight> flights = new PriorityQueue<>((a, b) -> a.at != b.at
      ? Long.compare(a.at, b.at) : Long.compare(a.order, b.order));
  long now = 1_800_000_000_000L;
  double loss;
  double duplicate;
  long maxDelayMs = 50;
  private long order;
  long delivered;
  /** Every message sent (before loss), in order. */
  final List<Sent> sent = new ArrayList<>();

  /** One message sent: from, to, its bytes, whether an answer. */
  record Sent(NodeId from, NodeId to, byte[] bytes, boolean answer) {}

  /** One node: its identity, engine, clock skew and what it stored. */
  static final class Node {
    final Identity id;
    final Channels engine;
    final long skewMs;
    final List<Channels.Save> stored = new ArrayList<>();
    boolean down;

    Node(Identity id, Channels engine, long skewMs) {
      this.id = id;
      this.engine = engine;
      this.skewMs = skewMs;
    }
  }

  /**
   * A message of the asker's exchange {@code exchange} in flight; {@code failed}: instead, the asker
   * {@code to} learns its exchange with {@code from} failed.
   */
  private record Flight(long at, long order, NodeId from, NodeId to, byte[] bytes, boolean answer, long exchange,
      boolean failed) {}

  ChannelNet(long seed) {
    random = new Random(seed);
  }

  Node add(long skewMs) {
    Identity id = Identity.generate(random);
    Node n = new Node(id, new Channels(id, new Random(random.nextLong())), skewMs);
    nodes.put(id.id(), n);
    return n;
  }

  long local(Node n) {
    return now + n.skewMs;
  }

  /** Join {@code n} into {@code channel} with an invite by its owner, over a perfect link. */
  NetworkId join(Node owner, Node n, NetworkId channel) {
    InviteLink link = owner.engine.invite(channel, local(owner) / 1000 + 3600, List.of()).orElseThrow();
    Channels.Outgoing req = n.engine.join(link);
    byte[] answer = owner.engine.handleRequest(n.id.id(), req.message(), local(owner)).orElseThrow();
    drain(owner);
    Optional<NetworkId> joined = n.engine.handleAnswer(owner.id.id(), req.exchange(), answer, local(n));
    drain(n);
    return joined.orElseThrow();
  }

  void drain(Node n) {
    n.stored.addAll(n.engine.pollSaves());
  }

  /** Run the network for {@code ms} of virtual time in steps of {@code stepMs}. */
  void run(long ms, long stepMs) {
    long end = now + ms;
    while (now < end) {
      now += stepMs;
      for (Node n : nodes.values()) {
        if (n.down) {
          continue;
        }
        for (Channels.Outgoing o : n.engine.pollSyncs(local(n))) {
          send(n.id.id(), o.peer(), o.message(), false, o.exchange());
        }
        drain(n);
      }
      while (!flights.isEmpty() && flights.peek().at <= now) {
        deliver(flights.poll());
      }
    }
  }

  private void send(NodeId from, NodeId to, byte[] bytes, boolean answer, long exchange) {
    sent.add(new Sent(from, to, bytes, answer));
    if (random.nextDouble() < loss) {
      long at = now + 1 + (long) (random.nextDouble() * maxDelayMs);
      flights.add(answer ? new Flight(at, order++, from, to, null, false, exchange, true)
          : new Flight(at, order++, to, from, null, false, exchange, true));
      return;
    }
    int copies = random.nextDouble() < duplicate ? 2 : 1;
    for (int i = 0; i < copies; i++) {
      flights.add(new Flight(now + 1 + (long) (random.nextDouble() * maxDelayMs), order++, from, to, bytes, answer,
          exchange, false));
    }
  }

  private void deliver(Flight f) {
    Node to = nodes.get(f.to);
    if (f.failed) {
      if (to != null && !to.down) {
        to.engine.handleFailure(f.from, f.exchange);
      }
      return;
    }
    if (to == null || to.down) {
      Node asker = nodes.get(f.from);
      if (!f.answer && asker != null && !asker.down) {
        asker.engine.handleFailure(f.to, f.exchange);
      }
      return;
    }
    delivered++;
    if (f.answer) {
      to.engine.handleAnswer(f.from, f.exchange, f.bytes, local(to));
    } else {
      to.engine.handleRequest(f.from, f.bytes, local(to)).ifPresent(a -> send(f.to, f.from, a, true, f.exchange));
    }
    drain(to);
  }
}
