package dev.wormholes.onion.circuit;

import dev.wormholes.onion.circuit.OnionEngine.Link;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.TokenBucket;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * An {@link OnionEngine}'s admission of CREATE2 cells, sans I/O: per neighbour a token bucket and
 * a count of the circuits it created (held until {@link #release}), the total circuit cap, and the
 * handshake queue, served at most {@link OnionConfig#handshakesPerTick} per tick, a create that
 * waited longer than {@link OnionConfig#maxCreateDelayMs} dropped. The engine keeps the circuits
 * and runs the handshakes.
 */
final class CreateQueue {
  /** A CREATE2 admitted and waiting for its handshake. */
  record Pending(Link link, byte[] onionskin, long arrivedAt) {}

  private final OnionConfig config;
  private final Map<NodeId, Integer> createdBy = new HashMap<>();
  private final Map<NodeId, TokenBucket> buckets = new HashMap<>();
  private final ArrayDeque<Pending> creates = new ArrayDeque<>();
  private final Map<Link, Pending> queued = new HashMap<>();
  private long tickStart = Long.MIN_VALUE;
  private int tickUsed;

  CreateQueue(OnionConfig config) {
    this.config = config;
  }

  /**
   * Queue the CREATE2 {@code payload} that arrived on {@code link} while this node holds {@code
   * circuits}; return the limit that refused it, or null once queued (and counted against its
   * neighbour).
   */
  Refusal admit(Link link, byte[] payload, int circuits, long now) {
    TokenBucket bucket = buckets.computeIfAbsent(link.neighbour(),
        n -> new TokenBucket(config.createsPerSecond(), config.createBurst(), now));
    if (!bucket.tryTake(1, now)) {
      return Refusal.CREATE_BUDGET;
    }
    if (createdBy.getOrDefault(link.neighbour(), 0) >= config.maxCircuitsPerNeighbour()) {
      return Refusal.CIRCUITS_PER_NEIGHBOUR;
    }
    if (circuits + creates.size() >= config.maxCircuits()) {
      return Refusal.CIRCUITS_TOTAL;
    }
    if (creates.size() >= config.maxQueuedCreates()) {
      return Refusal.CREATE_QUEUE_FULL;
    }
    int htype = OnionEngine.u16(payload, 0);
    int hlen = OnionEngine.u16(payload, 2);
    if (htype != OnionEngine.HTYPE_NTOR_V3 || hlen > payload.length - 4) {
      return Refusal.MALFORMED_MESSAGE;
    }
    Pending p = new Pending(link, java.util.Arrays.copyOfRange(payload, 4, 4 + hlen), now);
    creates.add(p);
    queued.put(link, p);
    createdBy.merge(link.neighbour(), 1, Integer::sum);
    return null;
  }

  /** Return true if a create on {@code link} waits here. */
  boolean holds(Link link) {
    return queued.containsKey(link);
  }

  /** Drop the create waiting on {@code link} (its neighbour destroyed it); return false if none. */
  boolean cancel(Link link) {
    Pending p = queued.remove(link);
    if (p == null) {
      return false;
    }
    creates.remove(p);
    release(link.neighbour());
    return true;
  }

  /** Drop every create waiting from {@code neighbour} (its link is gone). */
  void linkDown(NodeId neighbour) {
    creates.removeIf(p -> {
      if (p.link().neighbour().equals(neighbour)) {
        queued.remove(p.link());
        release(neighbour);
        return true;
      }
      return false;
    });
  }

  /**
   * Return the next create to run a handshake for now within the tick's budget, or null; creates
   * that waited too long are dropped on the way and counted in {@code stale}.
   */
  Pending next(long now, Map<Refusal, Long> stale) {
    if (now >= tickStart + config.tickMs() || tickStart == Long.MIN_VALUE) {
      tickStart = now;
      tickUsed = 0;
    }
    while (!creates.isEmpty()) {
      Pending p = creates.peekFirst();
      if (now - p.arrivedAt() > config.maxCreateDelayMs()) {
        creates.pollFirst();
        queued.remove(p.link());
        release(p.link().neighbour());
        stale.merge(Refusal.CREATE_QUEUE_DELAY, 1L, Long::sum);
        continue;
      }
      if (tickUsed >= config.handshakesPerTick()) {
        return null;
      }
      creates.pollFirst();
      queued.remove(p.link());
      tickUsed++;
      return p;
    }
    return null;
  }

  /** A circuit {@code neighbour} created ended, or its create was answered with DESTROY. */
  void release(NodeId neighbour) {
    createdBy.computeIfPresent(neighbour, (n, k) -> k <= 1 ? null : k - 1);
  }

  /** Forget the buckets that refilled (a full bucket is the one a new neighbour gets). */
  void forgetFull(long now) {
    buckets.values().removeIf(b -> b.full(now));
  }

  /** Return when the queue wants serving, given the latest time seen, or Long.MAX_VALUE. */
  long timeout(long lastNow) {
    if (creates.isEmpty()) {
      return Long.MAX_VALUE;
    }
    if (tickStart == Long.MIN_VALUE) {
      return lastNow;
    }
    boolean budgetLeft = tickUsed < config.handshakesPerTick() && lastNow < tickStart + config.tickMs();
    return budgetLeft ? lastNow : tickStart + config.tickMs();
  }

  /** Return how many creates wait. */
  int size() {
    return creates.size();
  }
}
