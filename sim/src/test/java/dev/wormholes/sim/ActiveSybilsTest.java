package dev.wormholes.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Active Sybils (issue 12) against the engine's defences, in small (sim/README.md has the large
 * runs): adversaries with real key pairs ground next to one node's id join on the wire from one
 * /24, misroute, forge and serve stale records; the target joins after them and publishes its
 * record. With the per-/24 limits the target still gets into its neighbours' tables and its record
 * is found by every GET; without them the Sybils fill those buckets first and most GETs fail.
 */
class ActiveSybilsTest {
  private static final Scenario ECLIPSE = Scenario.defaults().parse(String.join("\n",
      "nodes = 200",
      "k = 8",
      "publish = 20",
      "publish.start_s = 70",
      "publish.window_s = 10",
      "adversaries = 0.05",
      "adversary.placement = eclipse",
      "adversary.eclipse_bits = 8",
      "adversary.prefixes = 1",
      "adversary.target_join_s = 60",
      "adversary.behaviour = join, misroute, forge, stale",
      "disjoint_paths = 1",
      "lookups = 100",
      "lookup.kind = get",
      "lookup.target = eclipse",
      "lookup.start_s = 150",
      "lookup.window_s = 60",
      "drain_s = 20"), "eclipse-sybils-small");

  @Test
  void perPrefixLimitsKeepAnEclipsedTargetsRecordFindable() throws Exception {
    RunResult on = run(ECLIPSE);
    RunResult off = run(ECLIPSE.with("engine.prefix_limits", "false"));
    double withLimits = getSuccess(on);
    double withoutLimits = getSuccess(off);
    System.out.printf("eclipse by 10 Sybils from one /24, d = 1: found %.2f with the /24 limits, %.2f without%n",
        withLimits, withoutLimits);
    Map<String, Long> c = on.counters();
    // The Sybils paid for their ids and earned their places on the wire, with real key proofs.
    assertTrue(c.get("sybil.keygens") >= 10, "keygens " + c.get("sybil.keygens"));
    assertTrue(c.get("sybil.proofs_signed") > 0 && c.get("sybil.table_contacts") > 0, c.toString());
    assertTrue(c.get("eclipse.target_table_sybils") <= 2 * ECLIPSE.integer("k"), c.toString());
    assertTrue(off.counters().get("sybil.table_contacts") > c.get("sybil.table_contacts"),
        "without the limits more Sybils get in");
    assertTrue(withLimits >= 0.99, "with the per-/24 limits the target's record is found " + withLimits);
    assertTrue(withoutLimits < 0.9, "without them the eclipse should succeed often, found " + withoutLimits);
  }

  private static RunResult run(Scenario s) throws Exception {
    RunResult r = DeterminismTest.run(s, null).get(0);
    System.out.print(Report.summary(r));
    assertEquals(0, r.counters().getOrDefault("adversary.dropped", 0L));
    return r;
  }

  private static double getSuccess(RunResult r) {
    return r.measurements().summarise(Measurements.Kind.GET).successRate();
  }
}
