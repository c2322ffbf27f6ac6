package dev.wormholes.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The S/Kademlia experiment in small: with half the nodes misrouting (answering only with other
 * adversaries), lookups over d = 4 disjoint paths find their target more often than over d = 1.
 * (At 30 % and 1500 nodes the engine's d = 1 lookups already succeed about 98 % of the time, too
 * close to 100 % for a robust check; at 50 % they succeed about 88 %, d = 4 about 100 %.)
 */
class DisjointPathsTest {
  @Test
  void fourDisjointPathsBeatOneWhenHalfTheNodesMisroute() throws Exception {
    Scenario base = Scenario.defaults().parse(String.join("\n",
        "nodes = 1500",
        "adversaries = 0.5",
        "adversary.behaviour = misroute",
        "lookups = 300",
        "lookup.kind = find_node",
        "lookup.start_s = 5",
        "lookup.window_s = 60",
        "drain_s = 30"), "disjoint").with("seed", "3");
    double one = success(base.with("disjoint_paths", "1"));
    double four = success(base.with("disjoint_paths", "4"));
    System.out.printf("50%% misrouting adversaries: success d=1 %.3f, d=4 %.3f%n", one, four);
    assertTrue(four > one + 0.05, "d=4 (" + four + ") should beat d=1 (" + one + ") clearly");
  }

  private static double success(Scenario s) throws Exception {
    RunResult r = DeterminismTest.run(s, null).get(0);
    System.out.print(Report.summary(r));
    return r.measurements().summarise(Measurements.Kind.FIND_NODE).successRate();
  }
}
