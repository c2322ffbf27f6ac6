package dev.wormholes.mainline;

import dev.wormholes.proto.engine.Transmit;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * A virtual-time network of {@link MainlineEngine}s and {@link StoringNode}s: 10 ms one way, no
 * loss. After every input each engine's {@code poll*} outputs are drained (the driving contract).
 */
final class Net {
  static final long LATENCY = 10;

  record Packet(long at, long order, InetSocketAddress from, InetSocketAddress to, byte[] bytes) {}

  final Map<InetSocketAddress, MainlineEngine> engines = new LinkedHashMap<>();
  final Map<InetSocketAddress, StoringNode> nodes = new LinkedHashMap<>();
  final Map<MainlineEngine, List<MainlineEvent>> events = new LinkedHashMap<>();
  final List<Packet> sent = new ArrayList<>();
  private final PriorityQueue<Packet> queue = new PriorityQueue<>((a, b) ->
      a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.order, b.order));
  private long order;
  long now = 1_000;

  static InetSocketAddress addr(int i) {
    return new InetSocketAddress("127.0.1." + i, 6881);
  }

  MainlineEngine engine(InetSocketAddress at, MainlineEngine e) {
    engines.put(at, e);
    events.put(e, new ArrayList<>());
    return e;
  }

  StoringNode node(InetSocketAddress at, StoringNode n) {
    nodes.put(at, n);
    return n;
  }

  /** Inject a raw datagram as if {@code from} sent it. */
  void inject(InetSocketAddress from, InetSocketAddress to, byte[] bytes) {
    queue.add(new Packet(now + LATENCY, order++, from, to, bytes));
  }

  /** Drain {@code e}'s outputs after an input. */
  void drain(MainlineEngine e) {
    InetSocketAddress self = addressOf(e);
    for (Transmit t; (t = e.pollTransmit()) != null; ) {
      Packet p = new Packet(now + LATENCY, order++, self, t.to(), t.payload());
      sent.add(p);
      queue.add(p);
    }
    for (MainlineEvent ev; (ev = e.pollEvent()) != null; ) {
      events.get(e).add(ev);
    }
  }

  private InetSocketAddress addressOf(MainlineEngine e) {
    for (Map.Entry<InetSocketAddress, MainlineEngine> en : engines.entrySet()) {
      if (en.getValue() == e) {
        return en.getKey();
      }
    }
    throw new IllegalArgumentException();
  }

  /** Run until {@code until} (virtual ms), delivering datagrams and firing timers. */
  void runUntil(long until) {
    while (true) {
      long next = Long.MAX_VALUE;
      MainlineEngine timerOf = null;
      for (MainlineEngine e : engines.values()) {
        long t = e.pollTimeout();
        if (t >= 0 && t < next) {
          next = t;
          timerOf = e;
        }
      }
      Packet p = queue.peek();
      if (p != null && p.at <= next) {
        next = p.at;
        timerOf = null;
      }
      if (next > until) {
        now = until;
        return;
      }
      now = Math.max(now, next);
      if (timerOf != null) {
        timerOf.handleTimeout(now);
        drain(timerOf);
        continue;
      }
      queue.poll();
      MainlineEngine e = engines.get(p.to);
      if (e != null) {
        e.handleDatagram(p.from, p.bytes, now);
        drain(e);
      } else if (nodes.containsKey(p.to)) {
        byte[] reply = nodes.get(p.to).handle(p.from, p.bytes);
        if (reply != null) {
          queue.add(new Packet(now + LATENCY, order++, p.to, p.from, reply));
        }
      }
    }
  }

  /** Return the last event of type {@code type} that {@code e} reported, or null. */
  <T extends MainlineEvent> T last(MainlineEngine e, Class<T> type) {
    T found = null;
    for (MainlineEvent ev : events.get(e)) {
      if (type.isInstance(ev)) {
        found = type.cast(ev);
      }
    }
    return found;
  }

  /** Return the datagrams {@code from} sent so far. */
  List<Packet> sentBy(InetSocketAddress from) {
    return sent.stream().filter(p -> p.from.equals(from)).toList();
  }

  /** Mesh the storing nodes: each knows every other. */
  void meshNodes() {
    for (StoringNode n : nodes.values()) {
      nodes.forEach((a, other) -> {
        if (other != n) {
          n.know(other.id, a);
        }
      });
    }
  }
}
