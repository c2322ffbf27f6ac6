package dev.wormholes.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.Identity;
import dev.wormholes.proto.KeyProofs;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The parallel first-start grind: with seeded workers its result is the draw with the lowest global
 * index (worker w's i-th draw is i * W + w) that has the work, whatever the threads' timing, and one
 * worker is exactly {@link KeyProofs#grind}.
 */
class IdGrinderTest {
  private static final int BITS = 6;

  @Test
  void theResultIsTheLowestIndexedDrawWithTheWorkWhateverTheTiming() {
    for (int workers : new int[] {2, 3}) {
      long seed = 15_000 + workers;
      System.out.println("IdGrinderTest seed " + seed + ", " + workers + " workers");
      Identity expected = lowestIndexed(seed, workers);
      for (int run = 0; run < 2; run++) {
        Identity got = IdGrinder.grind(BITS, workers, w -> new SplittableRandom(seed + w));
        assertTrue(KeyProofs.meetsWork(got.id(), BITS));
        assertArrayEquals(expected.seed(), got.seed(), "run " + run + " with " + workers + " workers");
      }
    }
    Identity one = IdGrinder.grind(BITS, 1, w -> new SplittableRandom(15_100));
    assertArrayEquals(KeyProofs.grind(new SplittableRandom(15_100), BITS, null).seed(), one.seed());
  }

  // The reference, on one thread: every worker's stream in index order.
  private static Identity lowestIndexed(long seed, int workers) {
    SplittableRandom[] random = new SplittableRandom[workers];
    for (int w = 0; w < workers; w++) random[w] = new SplittableRandom(seed + w);
    for (long index = 0; ; index++) {
      Identity id = Identity.generate(random[(int) (index % workers)]);
      if (KeyProofs.meetsWork(id.id(), BITS)) return id;
    }
  }
}
