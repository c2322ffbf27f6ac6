package dev.wormholes.proto;

import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/** QuickTheories generators shared by the proto tests. */
final class Gens {
  private Gens() {}

  /** Return uniformly random ids. */
  static Gen<NodeId> ids() {
    return longs().all().zip(longs().all(), longs().all(), longs().all(), NodeId::ofWords);
  }

  /** Return byte arrays whose length is in {@code min..max}. */
  static Gen<byte[]> bytes(int min, int max) {
    return Generate.byteArrays(integers().between(min, max), Generate.bytes(Byte.MIN_VALUE, Byte.MAX_VALUE, (byte) 0));
  }

  /** Return bit indices 0..255. */
  static Gen<Integer> bitIndices() {
    return integers().between(0, NodeId.BITS - 1);
  }
}
