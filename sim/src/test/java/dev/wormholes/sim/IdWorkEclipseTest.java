package dev.wormholes.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The id work factor against an eclipse by Sybils each in its own /24 (which no prefix limit
 * sees), in small: the attacker has a fixed budget of key pairs and places its 10 Sybils at the
 * ids closest to the target that it can afford (sim/README.md has the larger runs). Without id
 * work the budget buys ids closer to the target than any honest node and the eclipse bites; with
 * 6 bits of work the same budget buys 64 usable ids, none close. An attacker who ignores the
 * work keeps its close ids, and only the engines' check keeps them out.
 */
class IdWorkEclipseTest {
  private static final Scenario ECLIPSE = Scenario.defaults().parse(String.join("\n",
      "nodes = 100",
      "k = 8",
      "publish = 10",
      "publish.start_s = 70",
      "publish.window_s = 10",
      "adversaries = 0.1",
      "adversary.placement = eclipse",
      "adversary.keygen_budget = 4096",
      "adversary.prefixes = 0",
      "adversary.target_join_s = 60",
      "adversary.behaviour = join, misroute, forge, stale",
      "disjoint_paths = 1",
      "lookups = 60",
      "lookup.kind = get",
      "lookup.target = eclipse",
      "lookup.start_s = 150",
      "lookup.window_s = 40",
      "drain_s = 20"), "id-work-eclipse");

  @Test
  void idWorkKeepsAnAttackersBudgetFarFromTheTarget() throws Exception {
    RunResult free = run(ECLIPSE);
    RunResult priced = run(ECLIPSE.with("engine.id_work_bits", "6"));
    RunResult ignored = run(ECLIPSE.with("engine.id_work_bits", "6").with("adversary.id_work_bits", "0"));
    double f = found(free);
    double p = found(priced);
    double i = found(ignored);
    System.out.printf("eclipse by 10 Sybils (own /24s) on a budget of 4,096 key pairs, d = 1: found %.2f without id"
        + " work, %.2f with 6 bits, %.2f with 6 bits against Sybils that ignore them%n", f, p, i);
    assertEquals(4096, free.counters().get("sybil.keygens"));
    assertTrue(free.counters().get("eclipse.sybil_best_prefix") > priced.counters().get("eclipse.sybil_best_prefix"),
        "the work keeps the budget's ids farther from the target");
    assertTrue(f < 0.9, "without id work the eclipse should bite, found " + f);
    assertTrue(p >= 0.99, "with id work the target's record is found " + p);
    // Ids without the work are refused by every engine: none in any table, the record found.
    Map<String, Long> c = ignored.counters();
    assertTrue(c.get("sybil.ids_below_work") >= 8, c.toString());
    assertTrue(c.getOrDefault("engine.dropped.ID_WORK", 0L) > 0, c.toString());
    assertTrue(i >= 0.99, "Sybils without the work are refused, found " + i);
  }

  private static RunResult run(Scenario s) throws Exception {
    RunResult r = DeterminismTest.run(s, null).get(0);
    System.out.print(Report.summary(r));
    return r;
  }

  private static double found(RunResult r) {
    return r.measurements().summarise(Measurements.Kind.GET).successRate();
  }
}
