package dev.wormholes.sim.nat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Mix strings parse, bad ones are refused with a reason, and types are assigned in exact proportions. */
class NatMixTest {
  @Test
  void assignsExactProportionsDeterministically() {
    NatMix m = NatMix.parse("public:0.2, full:0.1, address:0.1, port:0.35, symmetric:0.25");
    assertEquals(0.25, m.endpointDependentShare(), 1e-12);
    assertArrayEquals(new int[] {2000, 1000, 1000, 3500, 2500}, m.counts(10_000));
    assertEquals(7, java.util.Arrays.stream(m.counts(7)).sum());
    byte[] a = m.assign(10_000, new SplittableRandom(5));
    int[] seen = new int[5];
    for (byte t : a) seen[t]++;
    assertArrayEquals(m.counts(10_000), seen);
    assertArrayEquals(a, m.assign(10_000, new SplittableRandom(5)), "same seed, same assignment");
  }

  @Test
  void refusesBadMixes() {
    assertThrows(IllegalArgumentException.class, () -> NatMix.parse("public:0.5, cone:0.5"));
    assertThrows(IllegalArgumentException.class, () -> NatMix.parse("public:0.5, port:0.4"));
    assertThrows(IllegalArgumentException.class, () -> NatMix.parse("public=1"));
    assertThrows(IllegalArgumentException.class, () -> NatMix.parse("public:x"));
    assertThrows(IllegalArgumentException.class, () -> NatMix.parse("public:1.5, port:-0.5"));
    assertEquals(1.0, NatMix.parse("Symmetric:1").endpointDependentShare());
  }
}
