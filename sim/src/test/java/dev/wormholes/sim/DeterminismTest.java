package dev.wormholes.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same scenario and seed give a byte-identical report and CSVs, with everything that draws
 * randomness switched on: jitter, loss, churn, adversaries that misroute, forge and serve stale
 * records, presence records and GETs, and a NAT population (every type, port mappings, short
 * mapping lifetimes) whose connects run the punch engines. A different seed gives a different report (the test can fail).
 */
class DeterminismTest {
  static final String SCENARIO = String.join("\n",
      "nodes = 300",
      "loss = 0.01",
      "jitter_ms = 20",
      "publish = all",
      "publish.start_s = 1",
      "publish.window_s = 20",
      "lookups = 150",
      "lookup.kind = get",
      "lookup.start_s = 30",
      "lookup.window_s = 120",
      "drain_s = 20",
      "churn = weibull:shape=0.6,mean_s=600",
      "churn.downtime = exponential:mean_s=120",
      "adversaries = 0.1",
      "adversary.behaviour = misroute, forge, stale",
      "nat.mix = public:0.25, full:0.1, address:0.1, port:0.3, symmetric:0.25",
      "nat.port_mapping = 0.1",
      "nat.connect_pairs = 60",
      "nat.connect.start_s = 20",
      "nat.connect.window_s = 100",
      "nat.mapping_timeout_s = 30",
      "");

  private static final List<String> FILES =
      List.of("report.txt", "measurements.csv", "summary.csv", "timeline.csv", "counters.csv", "traffic.csv",
          "connects.csv", "nat-matrix.csv");

  @Test
  void sameSeedGivesByteIdenticalReportAndCsv(@TempDir Path tmp) throws Exception {
    Scenario s = Scenario.defaults().parse(SCENARIO, "determinism").with("seed", "7");
    run(s, tmp.resolve("a"));
    run(s, tmp.resolve("b"));
    run(s.with("seed", "8"), tmp.resolve("c"));
    for (String f : FILES) {
      byte[] a = Files.readAllBytes(tmp.resolve("a").resolve(f));
      assertTrue(a.length > 0, f + " is empty");
      assertArrayEquals(a, Files.readAllBytes(tmp.resolve("b").resolve(f)), f + " differs between identical runs");
    }
    assertFalse(Arrays.equals(Files.readAllBytes(tmp.resolve("a").resolve("measurements.csv")),
        Files.readAllBytes(tmp.resolve("c").resolve("measurements.csv"))), "another seed should change the run");
    assertFalse(Arrays.equals(Files.readAllBytes(tmp.resolve("a").resolve("connects.csv")),
        Files.readAllBytes(tmp.resolve("c").resolve("connects.csv"))), "another seed should change the connects");
  }

  static List<RunResult> run(Scenario s, Path out) throws Exception {
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    return Wormsim.run(s, out, new Progress(quiet, false), quiet);
  }
}
