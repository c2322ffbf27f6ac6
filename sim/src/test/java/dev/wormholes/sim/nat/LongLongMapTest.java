package dev.wormholes.sim.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The primitive map behaves like {@link HashMap} over long random operation sequences (seeded loop). */
class LongLongMapTest {
  @Test
  void matchesHashMapUnderRandomPutsRemovesAndGets() {
    for (long seed = 1; seed <= 20; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      LongLongMap m = new LongLongMap(2);
      Map<Long, Long> ref = new HashMap<>();
      // Few distinct keys so that removals hit, colliding runs form and wrap around the table.
      int keySpace = 1 + r.nextInt(300);
      for (int op = 0; op < 20_000; op++) {
        long key = r.nextInt(keySpace) == 0 ? Long.MIN_VALUE : (long) r.nextInt(keySpace) << 48 | r.nextInt(3);
        switch (r.nextInt(3)) {
          case 0 -> {
            long v = r.nextLong(1L << 60);
            m.put(key, v);
            ref.put(key, v);
          }
          case 1 -> assertEquals(ref.remove(key) != null, m.remove(key), "seed " + seed + " op " + op);
          default -> assertEquals(ref.getOrDefault(key, LongLongMap.MISSING), m.get(key), "seed " + seed + " op " + op);
        }
        assertEquals(ref.size(), m.size(), "seed " + seed);
      }
      for (Map.Entry<Long, Long> e : ref.entrySet()) {
        assertEquals(e.getValue(), m.get(e.getKey()), "seed " + seed);
        assertEquals(true, m.containsKey(e.getKey()));
      }
    }
  }
}
