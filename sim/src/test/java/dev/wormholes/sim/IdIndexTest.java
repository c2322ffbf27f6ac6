package dev.wormholes.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Global id knowledge: closest-n against brute force, oracle buckets against their definition. */
class IdIndexTest {
  private static NodeId randomId(SplittableRandom r) {
    return NodeId.ofWords(r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong());
  }

  @Test
  void closestMatchesBruteForce() {
    SplittableRandom r = new SplittableRandom(5);
    for (int round = 0; round < 40; round++) {
      int n = 1 + r.nextInt(3000);
      NodeId[] ids = new NodeId[n];
      int[] nodes = new int[n];
      for (int i = 0; i < n; i++) {
        ids[i] = randomId(r);
        nodes[i] = i;
      }
      IdIndex index = new IdIndex(ids, nodes);
      NodeId target = round % 2 == 0 ? randomId(r) : ids[r.nextInt(n)];
      int want = 1 + r.nextInt(25);
      List<Integer> all = new ArrayList<>();
      for (int i = 0; i < n; i++) all.add(i);
      all.sort(Comparator.comparing(i -> ids[i], target::compareDistance));
      int[] expected = all.subList(0, Math.min(want, n)).stream().mapToInt(Integer::intValue).toArray();
      assertArrayEquals(expected, index.closest(target, want), "round " + round);
    }
  }

  @Test
  void rangeMatchesBruteForceAtEveryPrefixLength() {
    SplittableRandom r = new SplittableRandom(11);
    int n = 3000;
    NodeId[] ids = new NodeId[n];
    int[] nodes = new int[n];
    for (int i = 0; i < n; i++) {
      // Few distinct first words (and extreme ones), so prefixes longer than 64 bits are shared too.
      long w0 = switch (r.nextInt(4)) {
        case 0 -> -1L;
        case 1 -> 0L;
        default -> r.nextLong() & 0xF00000000000000FL;
      };
      ids[i] = NodeId.ofWords(w0, r.nextInt(4), r.nextLong(), r.nextLong());
      nodes[i] = i;
    }
    IdIndex index = new IdIndex(ids, nodes);
    for (int round = 0; round < 200; round++) {
      NodeId prefix = round % 2 == 0 ? ids[r.nextInt(n)] : randomId(r);
      int bits = r.nextInt(257);
      int[] range = index.range(prefix, bits);
      Set<Integer> expected = new HashSet<>();
      for (int i = 0; i < n; i++) {
        if (ids[i].commonPrefixLength(prefix) >= bits) expected.add(i);
      }
      Set<Integer> got = new HashSet<>();
      for (int p = range[0]; p < range[1]; p++) got.add(index.node(p));
      assertEquals(expected, got, "bits " + bits);
    }
  }

  @Test
  void oracleFillsEveryBucketWithUpToKOfItsMembers() {
    SplittableRandom r = new SplittableRandom(9);
    int n = 2000;
    int k = 8;
    NodeId[] ids = new NodeId[n];
    int[] nodes = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = randomId(r);
      nodes[i] = i;
    }
    OracleBootstrap oracle = new OracleBootstrap(new IdIndex(ids, nodes), k);
    for (int self = 0; self < 50; self++) {
      NodeId me = ids[self];
      int[] perBucket = new int[257];
      Set<Integer> picked = new HashSet<>();
      oracle.fill(me, r, node -> {
        assertTrue(picked.add(node), "no contact twice");
        perBucket[me.commonPrefixLength(ids[node])]++;
      });
      int[] members = new int[257];
      for (int j = 0; j < n; j++) if (j != self) members[me.commonPrefixLength(ids[j])]++;
      for (int b = 0; b < 256; b++) {
        assertEquals(Math.min(k, members[b]), perBucket[b], "bucket " + b + " of node " + self);
      }
    }
  }
}
