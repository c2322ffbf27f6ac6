package dev.wormholes.people;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import org.junit.jupiter.api.Test;

/** Properties of the key log over random histories of device changes and rotations. */
class KeyLogPropertiesTest {
  /** Grow a persona of {@code seed} by {@code ops} random operations. */
  private static TestPersona history(long seed, int ops) {
    TestPersona p = new TestPersona(seed);
    for (int i = 0; i < ops; i++) {
      switch (p.random.nextInt(3)) {
        case 0 -> {
          if (p.devices.size() < KeyLog.MAX_DEVICES) {
            p.addDevice();
          }
        }
        case 1 -> {
          if (!p.devices.isEmpty()) {
            p.removeDevice(p.random.nextInt(p.devices.size()));
          }
        }
        default -> p.rotate();
      }
    }
    return p;
  }

  @Test
  void aLogOfRandomOperationsAlwaysVerifies() {
    qt().withExamples(60).forAll(longs().all(), integers().between(0, 30)).checkAssert((seed, ops) -> {
      TestPersona p = history(seed, ops);
      LogResult r = KeyLog.decode(p.log.encode());
      assertTrue(r instanceof LogResult.Valid, () -> "seed " + seed + ": " + r);
      KeyState s = ((LogResult.Valid) r).log().state();
      assertEquals(p.state(), s);
      assertEquals(p.devices.size(), s.devices().size());
      p.devices.forEach(d -> assertTrue(s.hasDevice(d.id())));
    });
  }

  @Test
  void anySingleByteMutationFailsOrChangesTheHead() {
    qt().withExamples(300).forAll(longs().all(), integers().between(0, 6), integers().all(),
        integers().between(1, 255)).checkAssert((seed, ops, where, delta) -> {
          TestPersona p = history(seed, ops);
          byte[] encoded = p.log.encode();
          int at = Math.floorMod(where, encoded.length);
          encoded[at] = (byte) (encoded[at] + delta);
          LogResult r = KeyLog.decode(encoded);
          if (r instanceof LogResult.Valid v) {
            // Still a valid log: then it must say something else (a shorter log), never the same
            // head with other bytes, which a pinned head would not notice.
            assertTrue(!v.log().state().head().equals(p.state().head()),
                () -> "seed " + seed + " byte " + at + " mutated but verifies to the same head");
          }
        });
  }
}
