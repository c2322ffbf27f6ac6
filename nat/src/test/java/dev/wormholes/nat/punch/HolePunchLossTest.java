package dev.wormholes.nat.punch;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.nat.sim.PunchScenario;
import dev.wormholes.nat.sim.VirtualNat.Type;
import org.junit.jupiter.api.Test;

/**
 * Punching survives a lossy network: lost Connects are resent, a lost Accept is answered again,
 * a lost Sync is covered by the responder's fallback start, lost probes by the next round.
 */
class HolePunchLossTest {
  @Test
  void portRestrictedPairsPunchDespiteTwentyPercentLoss() {
    int ok = 0;
    int runs = 50;
    for (int seed = 0; seed < runs; seed++) {
      PunchScenario.Outcome o = PunchScenario.run(Type.PORT_RESTRICTED, Type.PORT_RESTRICTED, 500 + seed,
          HolePunch.Config.defaults(), 0.2);
      ok += o.punched() ? 1 : 0;
    }
    System.out.printf("port<->port with 20%% loss: %d/%d punched%n", ok, runs);
    assertTrue(ok >= runs * 9 / 10, ok + "/" + runs);
  }
}
