package dev.wormholes.onion.circuit;

import dev.wormholes.onion.handshake.NtorV3;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * N {@link OnionEngine}s on a virtual clock, every pair neighbours, each cell delivered after
 * {@code latencyMs}. A {@link Tap} sees every cell in flight and may change or drop it.
 */
final class OnionNet {
  /** Sees a cell from {@code from} to {@code to}; returns the bytes to deliver, or null to drop. */
  interface Tap {
    byte[] apply(NodeId from, NodeId to, byte[] cell);
  }

  /** Sees every event of every engine as it is drained (after it is added to {@link #events}). */
  interface Listener {
    void event(OnionEngine engine, OnionEvent event);
  }

  private record Delivery(long at, long seq, NodeId from, NodeId to, byte[] cell) {}

  final List<OnionEngine> nodes = new ArrayList<>();
  final List<Hop> hops = new ArrayList<>();
  final Map<NodeId, OnionEngine> byId = new HashMap<>();
  final Map<NodeId, List<OnionEvent>> events = new HashMap<>();
  private final PriorityQueue<Delivery> inFlight = new PriorityQueue<>(
      (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
  private final long latencyMs;
  private long seq;
  long now;
  Tap tap = (from, to, cell) -> cell;
  Listener listener = (engine, event) -> { };

  OnionNet(int n, long seed, long latencyMs, OnionConfig config) {
    this.latencyMs = latencyMs;
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < n; i++) {
      byte[] seedBytes = new byte[Identity.SEED_BYTES];
      random.nextBytes(seedBytes);
      byte[] onionSecret = new byte[NtorV3.KEY_BYTES];
      random.nextBytes(onionSecret);
      Identity identity = Identity.fromSeed(seedBytes);
      NtorV3.OnionKeyPair onion = NtorV3.OnionKeyPair.of(onionSecret);
      OnionEngine e = new OnionEngine(identity.publicKey(), List.of(onion), config, random.split());
      nodes.add(e);
      hops.add(new Hop(identity.publicKey(), onion.publicKey()));
      byId.put(e.self(), e);
      events.put(e.self(), new ArrayList<>());
    }
  }

  OnionEngine node(int i) {
    return nodes.get(i);
  }

  NodeId id(int i) {
    return nodes.get(i).self();
  }

  List<Hop> path(int... indexes) {
    List<Hop> path = new ArrayList<>();
    for (int i : indexes) {
      path.add(hops.get(i));
    }
    return path;
  }

  List<OnionEvent> events(int i) {
    return events.get(id(i));
  }

  /** Deliver raw bytes from {@code from} (any id, engine or not) to node {@code to} now. */
  void inject(NodeId from, int to, byte[] cell) {
    OnionEngine e = nodes.get(to);
    e.handleCell(from, cell, now);
    drain(e);
  }

  /** Drain every engine's outputs (after a command). */
  void drainAll() {
    for (OnionEngine e : nodes) {
      drain(e);
    }
  }

  /** Run until nothing is in flight and no timer is due before {@code until}; a bounded number of steps. */
  void runUntil(long until) {
    drainAll();
    for (int step = 0; step < 10_000_000; step++) {
      long next = inFlight.isEmpty() ? Long.MAX_VALUE : inFlight.peek().at;
      for (OnionEngine e : nodes) {
        next = Math.min(next, e.pollTimeout());
      }
      if (next > until) {
        return;
      }
      now = Math.max(now, next);
      while (!inFlight.isEmpty() && inFlight.peek().at <= now) {
        Delivery d = inFlight.poll();
        OnionEngine to = byId.get(d.to);
        if (to != null) {
          to.handleCell(d.from, d.cell, now);
          drain(to);
        }
      }
      for (OnionEngine e : nodes) {
        if (e.pollTimeout() <= now) {
          e.handleTimeout(now);
          drain(e);
        }
      }
    }
    throw new AssertionError("the net did not settle");
  }

  /** Run until idle (no cell in flight, no timer pending within an hour of virtual time). */
  void settle() {
    runUntil(now + 3_600_000);
  }

  private void drain(OnionEngine e) {
    for (boolean more = true; more; ) {
      more = false;
      OnionTransmit t;
      while ((t = e.pollTransmit()) != null) {
        byte[] cell = tap.apply(e.self(), t.neighbour(), t.cell());
        if (cell != null) {
          inFlight.add(new Delivery(now + latencyMs, seq++, e.self(), t.neighbour(), cell));
        }
      }
      OnionEvent ev;
      while ((ev = e.pollEvent()) != null) {
        events.get(e.self()).add(ev);
        listener.event(e, ev);
        more = true; // a listener may have sent
      }
    }
  }
}
