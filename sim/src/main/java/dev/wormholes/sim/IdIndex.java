package dev.wormholes.sim;

import dev.wormholes.proto.NodeId;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Global knowledge of every node id, sorted, for the oracle bootstrap and for adversaries that
 * answer with the adversaries closest to a target. Ids sharing a prefix form a contiguous range of
 * the sorted order, so both questions are binary searches.
 */
public final class IdIndex {
  private final NodeId[] sorted;
  // The first 64 bits of each sorted id, offset so that signed order is the ids' unsigned order:
  // prefix ranges of up to 64 bits are searched here without touching the id objects.
  private final long[] head;
  private final int[] nodeOf;

  /** Index {@code ids[i]} as node {@code nodes[i]} (null entries are skipped). */
  public IdIndex(NodeId[] ids, int[] nodes) {
    Integer[] order = new Integer[ids.length];
    int n = 0;
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] != null) {
        order[n++] = i;
      }
    }
    Integer[] live = Arrays.copyOf(order, n);
    Arrays.sort(live, Comparator.comparing(i -> ids[i]));
    sorted = new NodeId[n];
    head = new long[n];
    nodeOf = new int[n];
    for (int j = 0; j < n; j++) {
      sorted[j] = ids[live[j]];
      head[j] = sorted[j].word(0) ^ Long.MIN_VALUE;
      nodeOf[j] = nodes[live[j]];
    }
  }

  /** Return the number of indexed ids. */
  public int size() {
    return sorted.length;
  }

  /** Return the node at sorted position {@code pos}. */
  public int node(int pos) {
    return nodeOf[pos];
  }

  /** Return the id at sorted position {@code pos}. */
  public NodeId id(int pos) {
    return sorted[pos];
  }

  /**
   * Return {@code {from, to}}: the sorted positions of ids whose first {@code bits} bits equal
   * those of {@code prefix} (0 <= bits <= 256).
   */
  public int[] range(NodeId prefix, int bits) {
    if (bits <= 64) {
      // Every id with the first word in [lo, hi] shares the prefix, whatever its other words.
      long mask = bits == 0 ? 0 : -1L << (64 - bits);
      long lo = (prefix.word(0) & mask) ^ Long.MIN_VALUE;
      long hi = (prefix.word(0) | ~mask) ^ Long.MIN_VALUE;
      return new int[] {firstAtLeast(lo), hi == Long.MAX_VALUE ? head.length : firstAtLeast(hi + 1)};
    }
    NodeId lo = fill(prefix, bits, false);
    NodeId hi = fill(prefix, bits, true);
    return new int[] {lowerBound(lo), upperBound(hi)};
  }

  /**
   * Return up to {@code n} node indexes closest to {@code target} by XOR distance, closest first:
   * widen the shared prefix until the range holds at least {@code n} ids, then sort that range.
   */
  public int[] closest(NodeId target, int n) {
    // No id shares more than longestSharedPrefix bits with target: start there and widen.
    int bits = Math.min(256, longestSharedPrefix(target));
    int[] r = range(target, bits);
    while (r[1] - r[0] < n && bits > 0) {
      r = range(target, --bits);
    }
    Integer[] pos = new Integer[r[1] - r[0]];
    for (int i = 0; i < pos.length; i++) {
      pos[i] = r[0] + i;
    }
    Arrays.sort(pos, (a, b) -> target.compareDistance(sorted[a], sorted[b]));
    int m = Math.min(n, pos.length);
    int[] out = new int[m];
    for (int i = 0; i < m; i++) {
      out[i] = nodeOf[pos[i]];
    }
    return out;
  }

  private int longestSharedPrefix(NodeId target) {
    int p = lowerBound(target);
    int best = 0;
    if (p < sorted.length) best = Math.max(best, sorted[p].commonPrefixLength(target));
    if (p > 0) best = Math.max(best, sorted[p - 1].commonPrefixLength(target));
    return best;
  }

  // The first sorted position whose head is >= h (signed).
  private int firstAtLeast(long h) {
    int lo = 0;
    int hi = head.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (head[mid] < h) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  private int lowerBound(NodeId key) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid].compareTo(key) < 0) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  private int upperBound(NodeId key) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid].compareTo(key) <= 0) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  /** Return {@code id} with every bit after the first {@code bits} set to {@code ones}. */
  static NodeId fill(NodeId id, int bits, boolean ones) {
    long[] w = new long[4];
    for (int i = 0; i < 4; i++) {
      int keep = Math.max(0, Math.min(64, bits - 64 * i));
      long mask = keep == 0 ? 0 : keep == 64 ? -1L : -1L << (64 - keep);
      w[i] = (id.word(i) & mask) | (ones ? ~mask : 0);
    }
    return NodeId.ofWords(w[0], w[1], w[2], w[3]);
  }
}
