package dev.wormholes.nat.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A public host of the lab has no NAT: everyone sees its own address, everything arrives. */
class PublicHostBehaviourLabTest {
  @Test
  void hasNoNat() throws Exception {
    NatBehaviourProbe p = NatBehaviourProbe.run("public");
    assertEquals("198.51.100.101:" + p.localPort(), p.r1());
    p.assertEndpointIndependentMapping();
    p.assertFiltering(true, true);
  }
}
