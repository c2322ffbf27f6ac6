package dev.wormholes.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * A small onion-circuit run: circuits build on the real engines (every built circuit cost the
 * engines' own server handshakes, one per hop, and the planners drew guards), the build time is
 * at least the round trips a 3-hop build takes in the network model, density helps, and hostile
 * neighbour lists with selective denial of service move the colluder share of hops drawn from an
 * honest hop's list no further than 1.5x the uniform baseline on this small instance (a colluding
 * guard still steers the hops after it: that share is higher, and reported). On the issue's own
 * scenario the colluder share of every drawn hop stays within 1.1x of the baseline.
 */
class OnionCircuitsTest {
  private static Scenario scenario() {
    return Scenario.defaults().parse(String.join("\n",
        "nodes = 300",
        "adversaries = 0.1",
        "onion.circuits = 80",
        "onion.clients = 40",
        "onion.window_s = 60",
        "latency.base_ms = 5",
        "latency.span_ms = 100",
        "jitter_ms = 5",
        ""), "onion-test").with("seed", "3");
  }

  @Test
  void circuitsBuildOnTheRealEnginesAndHostileListsStayNearTheBaseline() {
    Scenario s = scenario();
    OnionCircuits.Row sparse = OnionCircuits.run(s, 2, false);
    OnionCircuits.Row uniform = OnionCircuits.run(s, 8, false);
    OnionCircuits.Row hostile = OnionCircuits.run(s, 8, true);
    System.out.print(OnionReport.summary(s, java.util.List.of(sparse, uniform, hostile)));

    assertTrue(uniform.success() >= 0.95, "8 friends: " + uniform.success());
    assertTrue(sparse.success() < uniform.success(), "2 friends: " + sparse.success());
    for (OnionCircuits.Row r : java.util.List.of(sparse, uniform, hostile)) {
      // the real engine ran: one server handshake per hop of every built circuit at least
      assertTrue(r.handshakes() >= 3L * r.built(), r.handshakes() + " handshakes for " + r.built());
      assertTrue(r.builds() >= r.built());
      assertTrue(r.guardsChosen() >= 1 && r.guardsChosen() <= 40 * 2);
      // three round trips of at least 2 x 5 ms each
      assertTrue(r.built() == 0 || r.buildPercentile(0.5) >= 30, "p50 " + r.buildPercentile(0.5));
      assertTrue(r.built() == 0 || r.buildPercentile(0.99) < 3 * 10_000 + 1_000);
    }
    assertEquals(0, uniform.dosDrops());
    assertTrue(uniform.drawnRate() > 0.02 && uniform.drawnRate() < 0.25, "uniform " + uniform.drawnRate());
    assertTrue(hostile.dosDrops() > 0, "the colluders refused honest extends");
    // a hop drawn from an honest hop's list: hostile lists elsewhere do not raise the colluders' share
    assertTrue(OnionReport.ratio(hostile.afterHonestRate(), uniform.afterHonestRate()) < 1.5,
        hostile.afterHonestRate() + " vs " + uniform.afterHonestRate());
    // a colluding hop steers the hops after it (its own list, its selective refusals): measured, not hidden
    assertTrue(hostile.drawnRate() > hostile.afterHonestRate());
  }

  /**
   * The figure on its own scenario (1,000 nodes, 10 % colluders naming each other and
   * refusing extends to honest nodes, churn), seed 1, at 4 and 16 friends: the colluder share of
   * the hops drawn from lists, and of those drawn from an honest hop's list, stay within 1.1x of
   * the uniform baseline (before long lists were discounted: 2.48x and 1.74x over all drawn hops),
   * while circuits still build.
   */
  @Test
  void hostileNeighbourListsKeepTheColluderShareWithinATenthOfTheBaseline() throws java.io.IOException {
    Scenario s = Scenario.read(java.nio.file.Path.of("scenarios/onion-circuits.conf")).with("seed", "1");
    for (int friends : new int[] {4, 16}) {
      OnionCircuits.Row uniform = OnionCircuits.run(s, friends, false);
      OnionCircuits.Row hostile = OnionCircuits.run(s, friends, true);
      System.out.print(OnionReport.summary(s, java.util.List.of(uniform, hostile)));
      assertTrue(uniform.drawnRate() > 0.05, "the baseline draws colluders: " + uniform.drawnRate());
      assertTrue(OnionReport.ratio(hostile.drawnRate(), uniform.drawnRate()) <= 1.1,
          friends + " friends, any drawn hop: " + hostile.drawnRate() + " vs " + uniform.drawnRate());
      assertTrue(OnionReport.ratio(hostile.afterHonestRate(), uniform.afterHonestRate()) <= 1.1,
          friends + " friends, from an honest list: " + hostile.afterHonestRate() + " vs " + uniform.afterHonestRate());
      assertTrue(hostile.success() >= 0.95 && uniform.success() >= 0.95, hostile.success() + " / " + uniform.success());
    }
  }

  @Test
  void theSameSeedGivesTheSameRun() {
    Scenario s = scenario();
    assertEquals(OnionReport.csv(java.util.List.of(OnionCircuits.run(s, 4, true))),
        OnionReport.csv(java.util.List.of(OnionCircuits.run(s, 4, true))));
  }
}
