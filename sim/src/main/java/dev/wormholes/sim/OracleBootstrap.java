package dev.wormholes.sim;

import dev.wormholes.proto.NodeId;
import java.util.random.RandomGenerator;

/**
 * Routing tables from global knowledge, as large simulators fill them (a real join costs
 * O(n log n) messages): for each bucket of a node (ids sharing exactly {@code b} leading bits with
 * it) pick up to {@code k} of the nodes that fall in it, uniformly at random. Each pick is handed
 * to the engine through its ordinary {@code addContact} command.
 */
final class OracleBootstrap {
  /** Receives the picks for one node. */
  interface Sink {
    void add(int node);
  }

  private final IdIndex index;
  private final int k;

  OracleBootstrap(IdIndex index, int k) {
    this.index = index;
    this.k = k;
  }

  /** Hand {@code sink} the contacts of the node with id {@code self}; return how many. */
  int fill(NodeId self, RandomGenerator random, Sink sink) {
    int added = 0;
    int[] picked = new int[k];
    for (int b = 0; b < NodeId.BITS; b++) {
      int[] r = index.range(self.flipBit(b), b + 1);
      int size = r[1] - r[0];
      if (size <= k) {
        for (int p = r[0]; p < r[1]; p++) {
          sink.add(index.node(p));
        }
        added += size;
      } else {
        sample(size, random, picked);
        for (int j = 0; j < k; j++) {
          sink.add(index.node(r[0] + picked[j]));
        }
        added += k;
      }
      int[] same = index.range(self, b + 1);
      if (same[1] - same[0] <= 1) {
        break; // nobody else shares b + 1 bits: every deeper bucket is empty
      }
    }
    return added;
  }

  /** Return the contacts {@link #fill} would hand a sink, in the same order. */
  int[] picks(NodeId self, RandomGenerator random) {
    var out = new Object() {
      int[] items = new int[8 * k];
      int size;
    };
    fill(self, random, node -> {
      if (out.size == out.items.length) out.items = java.util.Arrays.copyOf(out.items, 2 * out.size);
      out.items[out.size++] = node;
    });
    return java.util.Arrays.copyOf(out.items, out.size);
  }

  /** Fill {@code out} with k distinct numbers in [0, n) (Floyd's algorithm), in draw order. */
  private void sample(int n, RandomGenerator random, int[] out) {
    int m = 0;
    for (int j = n - k; j < n; j++) {
      int t = random.nextInt(j + 1);
      boolean seen = false;
      for (int i = 0; i < m; i++) {
        if (out[i] == t) { seen = true; break; }
      }
      out[m++] = seen ? j : t;
    }
  }
}
