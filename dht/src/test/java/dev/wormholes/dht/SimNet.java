package dev.wormholes.dht;

import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.ValueCheck;
import dev.wormholes.proto.ValueValidator;
import dev.wormholes.proto.engine.Transmit;
import dev.wormholes.proto.wire.StoredValue;
import com.google.protobuf.ByteString;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * A virtual-time network of N engines (STYLE.md: quinn's Pair, str0m's netem): one priority queue
 * of datagram deliveries and timer firings ordered by (time, sequence), seeded latency and loss,
 * and every poll* drained after each input. Addresses are virtual loopback addresses; nothing is
 * ever sent on a real socket.
 */
final class SimNet {
  /** Unix time at virtual time 0. */
  static final long WALL_BASE = 1_800_000_000_000L;

  /** One simulated node. */
  final class Node {
    final int index;
    final Identity identity;
    final InetSocketAddress address;
    final DhtEngine engine;
    final Map<Long, QueryResult> results = new LinkedHashMap<>();
    final List<DhtEvent.AddressObserved> observed = new ArrayList<>();
    boolean down;
    long scheduled = Long.MAX_VALUE;
    // Virtual time (microseconds) at which this node's receive queue is next idle.
    long busyUntilUs;

    Node(int index, Identity identity, DhtConfig config, ValueStore store) {
      this.index = index;
      this.identity = identity;
      this.address = addressOf(index);
      this.engine = new DhtEngine(identity, config, new SplittableRandom(random.nextLong()), () -> WALL_BASE + now,
          validator, store);
    }

    NodeId id() {
      return identity.id();
    }

    Contact contact() {
      return new Contact(id(), address);
    }
  }

  private record Item(long time, long seq, Node node, InetSocketAddress from, byte[] bytes) {}

  final long seed;
  final SplittableRandom random;
  final List<Node> nodes = new ArrayList<>();
  private final Map<InetSocketAddress, Node> byAddress = new HashMap<>();
  private final PriorityQueue<Item> queue = new PriorityQueue<>((a, b) ->
      a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
  private long seq;
  private long stepsAtNow;
  long now;
  long minLatencyMs = 10;
  long maxLatencyMs = 60;
  double loss;
  long delivered;
  /**
   * Receive capacity per node, as a socket buffer in front of a busy event loop: each datagram
   * takes this many microseconds to handle (0 = unlimited), and one arriving when {@link
   * #queueLimit} are already waiting is dropped. Models overload: queueing delay and drops.
   */
  long serviceUs;
  int queueLimit = Integer.MAX_VALUE;
  long queueDrops;
  /** Called for every datagram before delivery; return null to drop it, or other bytes to tamper. */
  java.util.function.BiFunction<Node, byte[], byte[]> tap;
  final ValueValidator validator;

  SimNet(long seed) {
    this.seed = seed;
    this.random = new SplittableRandom(seed);
    this.validator = cachingValidator();
  }

  static InetSocketAddress addressOf(int i) {
    int host = i + 1;
    try {
      return new InetSocketAddress(InetAddress.getByAddress(
          new byte[] {127, (byte) (host >>> 16), (byte) (host >>> 8), (byte) host}), 7447);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  Node add(DhtConfig config) {
    return add(config, new MemoryValueStore());
  }

  Node add(DhtConfig config, ValueStore store) {
    return add(Identity.generate(random), config, store);
  }

  Node add(Identity identity, DhtConfig config, ValueStore store) {
    Node n = new Node(nodes.size(), identity, config, store);
    nodes.add(n);
    byAddress.put(n.address, n);
    return n;
  }

  /** Add {@code count} nodes and bootstrap each from a random earlier one; run until all are done. */
  void grow(int count, DhtConfig config) {
    for (int i = 0; i < count; i++) {
      Node n = add(config);
      if (nodes.size() == 1) continue;
      Node seedNode = nodes.get(random.nextInt(nodes.size() - 1));
      long q = n.engine.bootstrap(List.of(seedNode.address), now);
      drain(n);
      runUntil(() -> n.results.containsKey(q), 60_000);
    }
  }

  /** Run the command's query on {@code n} and return its result, failing after {@code limitMs}. */
  QueryResult await(Node n, long queryId, long limitMs) {
    drain(n);
    runUntil(() -> n.results.containsKey(queryId), limitMs);
    QueryResult r = n.results.remove(queryId);
    if (r == null) throw new AssertionError("query " + queryId + " did not finish within " + limitMs + " ms (seed " + seed + ")");
    return r;
  }

  /** Drain every output of {@code n}: transmits into the queue, events into its lists, its timer. */
  void drain(Node n) {
    for (Transmit t = n.engine.pollTransmit(); t != null; t = n.engine.pollTransmit()) {
      Node to = byAddress.get(t.to());
      if (to == null || (loss > 0 && random.nextDouble() < loss)) continue;
      long latency = minLatencyMs + (maxLatencyMs > minLatencyMs ? random.nextLong(maxLatencyMs - minLatencyMs) : 0);
      long at = now + latency;
      if (serviceUs > 0) {
        long arriveUs = at * 1000;
        long startUs = Math.max(arriveUs, to.busyUntilUs);
        if ((startUs - arriveUs) / serviceUs >= queueLimit) {
          queueDrops++;
          continue;
        }
        to.busyUntilUs = startUs + serviceUs;
        at = (to.busyUntilUs + 999) / 1000;
      }
      queue.add(new Item(at, seq++, to, n.address, t.payload()));
    }
    for (DhtEvent e = n.engine.pollEvent(); e != null; e = n.engine.pollEvent()) {
      if (e instanceof DhtEvent.QueryFinished f) n.results.put(f.queryId(), f.result());
      else if (e instanceof DhtEvent.AddressObserved o && n.observed.size() < 100) n.observed.add(o);
    }
    long t = n.engine.pollTimeout();
    if (t != n.scheduled) {
      n.scheduled = t;
      if (t != Long.MAX_VALUE) queue.add(new Item(Math.max(t, now), seq++, n, null, null));
    }
  }

  /** Process queued items until {@code done} holds or virtual time passes {@code limitMs} from now. */
  void runUntil(BooleanSupplier done, long limitMs) {
    long end = now + limitMs;
    while (!done.getAsBoolean() && step(end)) { }
  }

  /** Run for {@code ms} of virtual time. */
  void runFor(long ms) {
    long end = now + ms;
    while (step(end)) { }
    now = end;
  }

  private boolean step(long end) {
    Item it = queue.peek();
    if (it == null || it.time > end) return false;
    queue.poll();
    if (it.time > now) {
      now = it.time;
      stepsAtNow = 0;
    } else if (++stepsAtNow > 2_000_000) {
      throw new AssertionError("virtual time stuck at " + now + " (livelock) on node " + it.node.index
          + (it.bytes == null ? " timer" : " datagram") + ", pollTimeout " + it.node.engine.pollTimeout() + " (seed " + seed + ")");
    }
    Node n = it.node;
    if (it.bytes == null) {
      if (it.time != n.scheduled) return true; // superseded timer
      n.scheduled = Long.MAX_VALUE;
      if (n.down) return true; // a down node's timers stop; drain(n) re-arms them when it is back
      n.engine.handleTimeout(now);
    } else {
      if (n.down) return true;
      byte[] bytes = tap == null ? it.bytes : tap.apply(n, it.bytes);
      if (bytes == null) return true;
      delivered++;
      n.engine.handleDatagram(it.from, bytes, now);
      if (n.engine.stats().handlerErrors() != 0) {
        throw new AssertionError("node " + n.index + " hit a bug handling a datagram (seed " + seed + ")");
      }
    }
    drain(n);
    return true;
  }

  /** The standard validator behind a cache of verified values, as the simulator uses it. */
  private static ValueValidator cachingValidator() {
    ValueValidator std = ValueValidator.standard();
    Map<ByteString, ValueCheck> cache = new HashMap<>();
    return (key, value, wall) -> {
      ByteString k = ByteString.copyFrom(key.toBytes()).concat(value.toByteString());
      ValueCheck c = cache.get(k);
      if (c == null) {
        c = std.check(key, value, wall);
        if (c != ValueCheck.EXPIRED && cache.size() < 200_000) cache.put(k, c);
        return c;
      }
      // Signatures do not change; expiry does.
      boolean expired = DhtValues.parsePresence(value)
          .map(p -> Long.compareUnsigned(p.getExpiresAtMs(), wall) <= 0).orElse(false);
      return expired ? ValueCheck.EXPIRED : c;
    };
  }

  static StoredValue presenceOf(Node n, long seq, long expiresAt) {
    return DhtValues.presence(n.identity, dev.wormholes.proto.wire.Presence.newBuilder()
        .setSeq(seq)
        .setExpiresAtMs(expiresAt)
        .addEndpoints(dev.wormholes.proto.wire.ReachEndpoint.newBuilder()
            .setKind(dev.wormholes.proto.wire.EndpointKind.ENDPOINT_OBSERVED)
            .setEndpoint(Wire.endpoint(n.address)))
        .build());
  }
}
