package dev.wormholes.nat.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import org.junit.jupiter.api.Test;

/** The lab's "sym" NAT maps per destination endpoint with random ports, and filters by port. */
class SymmetricBehaviourLabTest {
  @Test
  void behavesAsNamed() throws Exception {
    NatBehaviourProbe p = NatBehaviourProbe.run("sym");
    assertNotNull(p.r1());
    assertNotEquals(p.r1(), p.r2(), "a new mapping towards another IP");
    assertNotEquals(p.r1(), p.r1OtherPort(), "a new mapping towards another port of the same IP");
    assertNotEquals(p.localPort(), NatBehaviourProbe.port(p.r1()), "fully-random: port not preserved");
    p.assertFiltering(false, false);
    assertEquals(false, p.hairpin());
  }
}
