package dev.wormholes.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * 10 000 nodes, no churn, no adversaries: every node publishes its presence record through the
 * real PUT path, then 300 GETs from random nodes for random records all succeed. Routing tables
 * come from the oracle bootstrap (a real join of 10 000 nodes would dominate the test's time).
 */
class TenThousandNodesTest {
  @Test
  void everyRecordIsFound() throws Exception {
    Scenario s = Scenario.defaults().parse(String.join("\n",
        "nodes = 10000",
        "publish = all",
        "publish.start_s = 1",
        "publish.window_s = 20",
        "lookups = 300",
        "lookup.kind = get",
        "lookup.start_s = 30",
        "lookup.window_s = 20",
        "drain_s = 15"), "ten-thousand").with("seed", "1");
    RunResult r = DeterminismTest.run(s, null).get(0);
    System.out.print(Report.summary(r));
    System.out.print(Report.perf(r));
    Measurements.Summary puts = r.measurements().summarise(Measurements.Kind.PUT);
    Measurements.Summary gets = r.measurements().summarise(Measurements.Kind.GET);
    assertEquals(10_000, puts.started());
    assertEquals(10_000, puts.ok(), "every PUT acknowledged by at least one holder");
    assertEquals(300, gets.started());
    assertEquals(300, gets.ok(), "every GET finds its record");
  }
}
