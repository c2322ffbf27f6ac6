package dev.wormholes.nat.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The lab's "cgnat" NAT has the RFC 4787 behaviour it is named for, seen by nat/lab/probe.py. */
class CgnatDoubleNatBehaviourLabTest {
  @Test
  void behavesAsNamed() throws Exception {
    NatBehaviourProbe p = NatBehaviourProbe.run("cgnat");
    p.assertEndpointIndependentMapping();
    assertEquals(p.localPort(), NatBehaviourProbe.port(p.r1()), "Linux preserves the source port");
    assertTrue(p.r1().startsWith("198.51.100."), "mapped to the public WAN address: " + p.r1());
    p.assertFiltering(false, false);
    assertEquals(false, p.hairpin(), "no hairpinning configured");
  }
}
