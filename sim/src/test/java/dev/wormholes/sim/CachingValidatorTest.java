package dev.wormholes.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.CachingValidator;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.ValueValidator;
import dev.wormholes.proto.wire.StoredValue;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The caching validator returns exactly what the standard validator returns, for genuine, forged
 * and mutable values, across wall times before, during and after a record's validity, and it does
 * verify each distinct value only once.
 */
class CachingValidatorTest {
  private static final long T0 = Simulation.WALL_BASE;

  @Test
  void agreesWithStandardValidatorAtEveryWallTime() {
    SplittableRandom r = new SplittableRandom(11);
    List<NodeId> keys = new ArrayList<>();
    List<StoredValue> values = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      Identity id = Identity.generate(r);
      StoredValue rec = PresenceRecords.of(id, 1 + i, T0, SimAddresses.of(i));
      keys.add(id.id());
      values.add(rec);
      // A forgery: same signature, different bytes.
      keys.add(id.id());
      values.add(rec.toBuilder().setPresence(rec.getPresence().toBuilder()
          .setPresence(rec.getPresence().getPresence().concat(ByteString.copyFrom(new byte[] {0x10, 0x05})))).build());
      // The right record under the wrong key.
      keys.add(Identity.generate(r).id());
      values.add(rec);
      StoredValue m = DhtValues.mutable(id, new byte[] {1, 2}, i, new byte[] {9});
      keys.add(DhtValues.keyOf(m).orElseThrow());
      values.add(m);
    }
    CachingValidator cached = new CachingValidator(ValueValidator.standard(), 1000);
    long[] walls = {T0 - 3 * 3_600_000L, T0, T0 + 1000, T0 + PresenceRecords.LIFETIME_MS - 1,
        T0 + PresenceRecords.LIFETIME_MS, T0 + 5 * 3_600_000L};
    for (int round = 0; round < 3; round++) {
      for (long wall : walls) {
        for (int i = 0; i < values.size(); i++) {
          assertEquals(DhtValues.check(keys.get(i), values.get(i), wall), cached.check(keys.get(i), values.get(i), wall),
              "value " + i + " at wall " + (wall - T0));
        }
      }
    }
    assertTrue(cached.hits() > cached.misses(), "the cache answered most checks");
  }
}
