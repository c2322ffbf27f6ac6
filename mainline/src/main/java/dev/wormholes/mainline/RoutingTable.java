package dev.wormholes.mainline;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A small Kademlia table for the 160-bit mainline space: buckets by common prefix length with our
 * id, at most {@code k} nodes each and {@code maxNodes} in total. Only nodes that answered one of
 * our queries enter it ({@link #seen}); a node leaves after {@link #MAX_FAILURES} unanswered
 * queries in a row, or when a full bucket needs room and it has failed at least once.
 */
final class RoutingTable {
  /** Consecutive unanswered queries after which a node leaves. */
  static final int MAX_FAILURES = 2;

  /** A node in the table. */
  static final class Entry {
    final byte[] id;
    final InetSocketAddress address;
    long lastSeen;
    int failures;

    Entry(byte[] id, InetSocketAddress address, long lastSeen) {
      this.id = id;
      this.address = address;
      this.lastSeen = lastSeen;
    }
  }

  private final byte[] own;
  private final int k;
  private final int maxNodes;
  // Insertion order within a bucket is least recently added first; guarded by the engine's thread.
  private final List<List<Entry>> buckets = new ArrayList<>();
  private int size;

  RoutingTable(byte[] own, int k, int maxNodes) {
    this.own = own.clone();
    this.k = k;
    this.maxNodes = maxNodes;
    for (int i = 0; i <= MainlineIds.ID_BYTES * 8; i++) {
      buckets.add(new ArrayList<>(0));
    }
  }

  /** Record that {@code id} answered from {@code address}: refresh, add, or replace a failing node. */
  void seen(byte[] id, InetSocketAddress address, long now) {
    if (Arrays.equals(id, own)) {
      return;
    }
    List<Entry> bucket = buckets.get(MainlineIds.commonPrefix(own, id));
    for (Entry e : bucket) {
      if (Arrays.equals(e.id, id) || e.address.equals(address)) {
        if (Arrays.equals(e.id, id) && e.address.equals(address)) {
          e.lastSeen = now;
          e.failures = 0;
        }
        return; // a known id at a new address, or a known address with a new id: keep the first
      }
    }
    if (bucket.size() >= k || size >= maxNodes) {
      Entry worst = bucket.stream().filter(e -> e.failures > 0)
          .max(Comparator.comparingInt((Entry e) -> e.failures)).orElse(null);
      if (worst == null) {
        return;
      }
      bucket.remove(worst);
      size--;
    }
    bucket.add(new Entry(id.clone(), address, now));
    size++;
  }

  /** Record a query to {@code address} that went unanswered; remove it after {@link #MAX_FAILURES}. */
  void failed(InetSocketAddress address) {
    for (List<Entry> bucket : buckets) {
      for (int i = 0; i < bucket.size(); i++) {
        Entry e = bucket.get(i);
        if (e.address.equals(address) && ++e.failures >= MAX_FAILURES) {
          bucket.remove(i);
          size--;
          return;
        }
      }
    }
  }

  /** Return whether a node at {@code address} is in the table (it answered one of our queries). */
  boolean contains(InetSocketAddress address) {
    for (List<Entry> bucket : buckets) {
      for (Entry e : bucket) {
        if (e.address.equals(address)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Return up to {@code n} nodes closest to {@code target}, nearest first. */
  List<Compact.Node> closest(byte[] target, int n) {
    List<Entry> all = new ArrayList<>(size);
    buckets.forEach(all::addAll);
    all.sort((a, b) -> MainlineIds.compareDistance(target, a.id, b.id));
    List<Compact.Node> out = new ArrayList<>(Math.min(n, all.size()));
    for (int i = 0; i < all.size() && i < n; i++) {
      out.add(new Compact.Node(all.get(i).id.clone(), all.get(i).address));
    }
    return out;
  }

  /** Return every node (for a rebuild under a new id). */
  List<Compact.Node> all() {
    return closest(own, size);
  }

  int size() {
    return size;
  }
}
