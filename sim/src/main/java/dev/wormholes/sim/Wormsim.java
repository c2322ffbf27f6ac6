package dev.wormholes.sim;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code wormsim SCENARIO_FILE [--seed N] [--out DIR] [...]}: run a scenario (or the grid of a
 * sweep scenario), print the summary table on stdout and, with {@code --out}, write report.txt,
 * perf.txt, CSVs and PNG plots. Exit status 0 on success, 2 on a bad scenario or flag.
 */
@Command(name = "wormsim", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Run the real Wormholes DHT engines in virtual time. See sim/README.md.")
public final class Wormsim implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "SCENARIO_FILE", description = "key = value scenario (sim/scenarios/*.conf)")
  Path scenarioFile;

  @Option(names = "--seed", description = "run seed (overrides the file)")
  Long seed;

  @Option(names = "--out", paramLabel = "DIR", description = "write report.txt, perf.txt, CSVs and PNG plots here")
  Path out;

  @Option(names = "--nodes", description = "number of nodes")
  Integer nodes;

  @Option(names = "--lookups", description = "number of measured lookups")
  Integer lookups;

  @Option(names = "--churn", paramLabel = "DIST", description = "session lengths: none | exponential:mean_s=S | weibull:shape=K,mean_s=S | pareto:shape=A,mean_s=S")
  String churn;

  @Option(names = "--adversaries", paramLabel = "F", description = "adversary fraction 0..1 (replaces sweep.adversaries)")
  Double adversaries;

  @Option(names = "--disjoint-paths", paramLabel = "D", description = "S/Kademlia disjoint paths (replaces sweep.disjoint_paths)")
  Integer disjointPaths;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "set any scenario key (repeatable)")
  Map<String, String> set = new LinkedHashMap<>();

  @Option(names = "--quiet", description = "no progress bar on stderr")
  boolean quiet;

  /** Run the command line; exit with its status. */
  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true");
    System.exit(new CommandLine(new Wormsim()).execute(args));
  }

  @Override
  public Integer call() throws IOException {
    Scenario s;
    try {
      s = applyFlags(Scenario.read(scenarioFile));
    } catch (IllegalArgumentException e) {
      System.err.println("wormsim: " + e.getMessage());
      return 2;
    }
    run(s, out, new Progress(System.err, !quiet), System.out);
    return 0;
  }

  private Scenario applyFlags(Scenario s) {
    for (Map.Entry<String, String> e : set.entrySet()) s = s.with(e.getKey(), e.getValue());
    if (seed != null) s = s.with("seed", seed.toString());
    if (nodes != null) s = s.with("nodes", nodes.toString());
    if (lookups != null) s = s.with("lookups", lookups.toString());
    if (churn != null) s = s.with("churn", churn);
    if (adversaries != null) s = s.with("adversaries", adversaries.toString()).with("sweep.adversaries", "");
    if (disjointPaths != null) s = s.with("disjoint_paths", disjointPaths.toString()).with("sweep.disjoint_paths", "");
    return s;
  }

  /** Return the runs of {@code s}: one, or one per cell of its sweep grid. */
  public static List<Scenario> expand(Scenario s) {
    List<Double> fs = s.doubles("sweep.adversaries");
    List<Integer> ds = s.ints("sweep.disjoint_paths");
    if (fs.isEmpty()) fs = List.of(s.dbl("adversaries"));
    if (ds.isEmpty()) ds = List.of(s.integer("disjoint_paths"));
    List<Scenario> runs = new ArrayList<>();
    for (double f : fs) {
      for (int d : ds) {
        runs.add(s.with("adversaries", Double.toString(f)).with("disjoint_paths", Integer.toString(d)));
      }
    }
    return runs;
  }

  /**
   * Run every cell of {@code s}, print summaries on {@code stdout} and write the report files into
   * {@code out} (when not null). Return the results.
   */
  public static List<RunResult> run(Scenario s, Path out, Progress progress, PrintStream stdout) throws IOException {
    if (OnionReport.enabled(s)) {
      OnionReport.runAndReport(s, out, stdout);
      return List.of();
    }
    List<RunResult> results = new ArrayList<>();
    StringBuilder report = new StringBuilder();
    StringBuilder perf = new StringBuilder();
    for (Scenario cell : expand(s)) {
      RunResult r = new Simulation(cell, progress).run();
      results.add(r);
      String summary = Report.summary(r);
      String p = Report.perf(r);
      stdout.print(summary);
      stdout.print(p);
      stdout.flush();
      report.append(summary);
      perf.append(Report.label(r)).append(": ").append(p);
    }
    if (results.size() > 1) {
      String grid = Report.grid(results);
      stdout.print(grid);
      report.append(grid);
    }
    if (out != null) {
      Files.createDirectories(out);
      Files.writeString(out.resolve("report.txt"), report, StandardCharsets.UTF_8);
      Files.writeString(out.resolve("perf.txt"), perf, StandardCharsets.UTF_8);
      Report.writeCsv(results, out);
      for (Path png : Plots.write(results, out)) {
        stdout.println("plot: " + png);
      }
    }
    return results;
  }
}
