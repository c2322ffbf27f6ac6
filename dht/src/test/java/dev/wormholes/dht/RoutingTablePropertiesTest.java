package dev.wormholes.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * QuickTheories properties of {@link RoutingTable} under random sequences of offers, failures and
 * eviction-ping outcomes: bucket size at most k, every contact in the bucket of its prefix length,
 * no duplicates, never our own id, least-recently-seen order, and removal only after a failure:
 * the failure count of a model (reset by an answer, one per failure unless another was counted
 * since the request was sent) must reach maxFailures, or a replacement must be waiting; or after a
 * read-only request from the contact's own address ({@link RoutingTable#remove}).
 */
class RoutingTablePropertiesTest {
  private static final long SEED = 0x5EED_0001L;

  @Test
  void invariantsHoldUnderRandomOperations() {
    System.out.println("RoutingTablePropertiesTest QuickTheories fixed seed " + SEED);
    qt().withFixedSeed(SEED).withExamples(300)
        .forAll(longs().all(), integers().between(1, 6), lists().of(integers().between(0, 1_000_000)).ofSizeBetween(1, 400))
        .checkAssert(RoutingTablePropertiesTest::run);
  }

  @Test
  void closestMatchesASortOfEveryContact() {
    System.out.println("RoutingTablePropertiesTest closest QuickTheories fixed seed " + (SEED + 1));
    qt().withFixedSeed(SEED + 1).withExamples(200)
        .forAll(longs().all(), integers().between(0, 300))
        .checkAssert((seed, n) -> {
          SplittableRandom r = new SplittableRandom(seed);
          NodeId self = randomId(r);
          RoutingTable t = new RoutingTable(self, 20, 4);
          for (int i = 0; i < n; i++) t.offer(new Contact(idNear(self, r.nextInt(12), r), SimNet.addressOf(i)));
          NodeId target = r.nextBoolean() ? randomId(r) : idNear(self, r.nextInt(12), r);
          List<Contact> all = t.all();
          all.sort((a, b) -> target.compareDistance(a.id(), b.id()));
          int want = r.nextInt(1, 30);
          assertEquals(all.subList(0, Math.min(want, all.size())), t.closest(target, want));
        });
  }

  @Test
  void randomIdsInABucketFallInIt() {
    System.out.println("RoutingTablePropertiesTest randomIdInBucket QuickTheories fixed seed " + (SEED + 2));
    qt().withFixedSeed(SEED + 2).withExamples(500).forAll(longs().all(), integers().between(0, 255))
        .checkAssert((seed, bucket) -> {
          SplittableRandom r = new SplittableRandom(seed);
          NodeId self = randomId(r);
          RoutingTable t = new RoutingTable(self, 20, 4);
          assertEquals(bucket.intValue(), t.bucketIndex(t.randomIdInBucket(bucket, r)));
        });
  }

  private static void run(long seed, int k, List<Integer> ops) {
    SplittableRandom r = new SplittableRandom(seed);
    NodeId self = randomId(r);
    int maxFailures = 1 + (int) (seed & 3);
    RoutingTable t = new RoutingTable(self, k, 2, maxFailures);
    // A pool of ids crowded into a few buckets, so that buckets overflow; index 0 is our own id.
    List<NodeId> pool = new ArrayList<>();
    pool.add(self);
    for (int i = 1; i < 40; i++) pool.add(idNear(self, r.nextInt(4), r));
    Map<NodeId, Long> lastSeen = new HashMap<>();
    Map<Integer, Contact> pinging = new HashMap<>();
    long tick = 0;
    for (int op : ops) {
      NodeId id = pool.get((op >>> 2) % pool.size());
      // Mostly one address per id; sometimes another (which must be ignored while the first holds).
      Contact c = new Contact(id, SimNet.addressOf(((op >>> 8) & 7) == 0 ? 500 : pool.indexOf(id)));
      Set<NodeId> before = new HashSet<>(ids(t));
      NodeId mayLeave = null;
      switch (op & 3) {
        case 0, 1 -> {
          Contact known = t.find(id);
          Contact head = t.offer(c);
          if (known != null && known.address().equals(c.address())) assertEquals(0, t.failures(id), "an answer resets");
          if (head != null) {
            assertFalse(pinging.containsKey(t.bucketIndex(head.id())), "one eviction ping per bucket");
            pinging.put(t.bucketIndex(head.id()), head);
          }
          if (t.find(id) != null && (known == null || known.address().equals(c.address()))) lastSeen.put(id, ++tick);
        }
        case 2 -> {
          mayLeave = id;
          int f0 = t.failures(id);
          // Mostly the count as it is; sometimes a stale one (another failure or an answer came since).
          int atSend = ((op >>> 12) & 3) == 0 ? f0 + 1 - ((op >>> 14) & 1) * 2 : f0;
          boolean waiting = !t.replacements(t.bucketIndex(id)).isEmpty();
          t.onFailure(id, atSend);
          if (f0 >= 0) {
            boolean counted = atSend == f0;
            boolean mustLeave = counted && (waiting || f0 + 1 >= maxFailures);
            assertEquals(mustLeave, t.find(id) == null, "failure " + f0 + " -> leave rule (waiting " + waiting + ")");
            if (!mustLeave) assertEquals(counted ? f0 + 1 : f0, t.failures(id));
          }
          if (pinging.containsKey(t.bucketIndex(id)) && pinging.get(t.bucketIndex(id)).id().equals(id) && t.find(id) == null) {
            pinging.remove(t.bucketIndex(id));
          }
        }
        default -> {
          if (((op >>> 16) & 3) == 0) {
            // A read-only request from id at c's address: it leaves only if held at that address.
            mayLeave = id;
            Contact held = t.find(id);
            boolean atThatAddress = held != null && held.address().equals(c.address());
            assertEquals(atThatAddress, t.remove(c));
            if (atThatAddress) assertTrue(t.find(id) == null);
            else if (held != null) assertEquals(held, t.find(id), "another address removes nothing");
            assertTrue(t.replacements(t.bucketIndex(id)).stream().noneMatch(x -> x.equals(c)));
            Contact head = pinging.get(t.bucketIndex(id));
            if (atThatAddress && head != null && head.id().equals(id)) pinging.remove(t.bucketIndex(id));
            break;
          }
          if (pinging.isEmpty()) break;
          int bucket = pinging.keySet().stream().sorted().toList().get((op >>> 4) % pinging.size());
          Contact head = pinging.remove(bucket);
          boolean alive = ((op >>> 12) & 1) == 0;
          if (!alive) mayLeave = head.id();
          int f0 = t.failures(head.id());
          boolean waiting = !t.replacements(bucket).isEmpty();
          t.evictionResult(head, alive);
          if (!alive && f0 >= 0) {
            assertEquals(waiting || f0 + 1 >= maxFailures, t.find(head.id()) == null, "eviction ping leave rule");
          }
          if (alive && t.find(head.id()) != null) lastSeen.put(head.id(), ++tick);
        }
      }
      for (NodeId id2 : ids(t)) lastSeen.putIfAbsent(id2, ++tick); // promoted replacements are fresh
      check(t, self, k, lastSeen);
      for (NodeId gone : before) {
        if (t.find(gone) == null) {
          assertEquals(mayLeave, gone, "a contact left without failing");
          lastSeen.remove(gone);
        }
      }
    }
  }

  private static void check(RoutingTable t, NodeId self, int k, Map<NodeId, Long> lastSeen) {
    Set<NodeId> seen = new HashSet<>();
    int total = 0;
    for (int b = 0; b < t.bucketCount(); b++) {
      List<Contact> bucket = t.bucket(b);
      assertTrue(bucket.size() <= k, "bucket " + b + " holds " + bucket.size() + " > k");
      long prev = Long.MIN_VALUE;
      for (Contact c : bucket) {
        assertNotEquals(self, c.id(), "self inserted");
        assertEquals(b, self.commonPrefixLength(c.id()), "contact in the wrong bucket");
        assertTrue(seen.add(c.id()), "duplicate " + c);
        long ls = lastSeen.get(c.id());
        assertTrue(ls > prev, "bucket " + b + " not in least-recently-seen order");
        prev = ls;
        total++;
      }
      for (Contact c : t.replacements(b)) {
        assertTrue(seen.add(c.id()), "replacement duplicates a contact: " + c);
        assertEquals(b, self.commonPrefixLength(c.id()));
      }
    }
    assertEquals(total, t.size());
  }

  private static List<NodeId> ids(RoutingTable t) {
    return t.all().stream().map(Contact::id).toList();
  }

  static NodeId randomId(SplittableRandom r) {
    return NodeId.ofWords(r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong());
  }

  /** Return a random id sharing exactly {@code cpl} leading bits with {@code self}. */
  static NodeId idNear(NodeId self, int cpl, SplittableRandom r) {
    NodeId x = randomId(r);
    for (int i = 0; i < cpl; i++) {
      if (x.bit(i) != self.bit(i)) x = x.flipBit(i);
    }
    return x.bit(cpl) == self.bit(cpl) ? x.flipBit(cpl) : x;
  }
}
