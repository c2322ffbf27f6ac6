package dev.wormholes.sim;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Turns {@link RunResult}s into text: the summary table (deterministic: the same scenario and seed
 * give the same bytes), the performance lines (wall clock and heap: never deterministic), and the
 * CSV files of every measurement.
 */
public final class Report {
  private Report() {}

  /** Return a label for a run inside a sweep ("adv=0.30 d=4"), or the scenario name. */
  public static String label(RunResult r) {
    Scenario s = r.scenario();
    return String.format(Locale.ROOT, "%s adv=%.2f d=%s", s.str("name"), s.dbl("adversaries"), s.str("disjoint_paths"));
  }

  /** Return the deterministic summary table of one run. */
  public static String summary(RunResult r) {
    Scenario s = r.scenario();
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT,
        "== %s  seed=%s nodes=%d honest=%d adversaries=%d (%s, %s) k=%s alpha=%s d=%s bootstrap=%s churn=%s%n",
        s.str("name"), s.str("seed"), r.nodes(), r.honest(), r.nodes() - r.honest(), s.str("adversary.behaviour"),
        s.str("adversary.placement"), s.str("k"), s.str("alpha"), s.str("disjoint_paths"), s.str("bootstrap"),
        s.str("churn")));
    b.append(String.format(Locale.ROOT, "%-10s %7s %7s %8s %6s %6s %8s  %-14s  %-20s %9s%n", "kind", "started",
        "ok", "success", "stale", "unfin", "aborted", "hops p50/90/99", "latency ms p50/90/99", "msgs/op"));
    for (Measurements.Kind kind : Measurements.Kind.values()) {
      Measurements.Summary m = r.measurements().summarise(kind);
      if (m.started() == 0) continue;
      b.append(String.format(Locale.ROOT, "%-10s %7d %7d %7.2f%% %6d %6d %8d  %-14s  %-20s %9.1f%n", kind,
          m.started(), m.ok(), 100 * m.successRate(), m.stale(), m.unfinished(), m.aborted(),
          triple(m.hops()), triple(m.latency()), m.messagesMean()));
    }
    int logK = idealHops(r.nodes(), s.integer("k"));
    b.append(String.format(Locale.ROOT, "ideal: median RTT %d ms x ceil(log_%s %d) = %d hops -> %d ms%n",
        r.medianRttMs(), s.str("k"), r.nodes(), logK, r.medianRttMs() * logK));
    for (Measurements.Kind kind : new Measurements.Kind[] {Measurements.Kind.FIND_NODE, Measurements.Kind.GET}) {
      double[] ratio = idealRatio(r, kind);
      if (ratio != null) {
        b.append(String.format(Locale.ROOT, "%s latency / ideal: p50 %.2f, p99 %.2f%n", kind, ratio[0], ratio[1]));
      }
    }
    Map<String, Long> c = r.counters();
    b.append(String.format(Locale.ROOT, "network: %d datagrams (%d bytes), %d lost, %d to offline nodes; events %d%n",
        c.getOrDefault("net.sent", 0L), c.getOrDefault("net.bytes", 0L), c.getOrDefault("net.lost", 0L),
        c.getOrDefault("net.to_offline", 0L), c.getOrDefault("events", 0L)));
    if (c.containsKey("sybil.keygens")) {
      b.append(String.format(Locale.ROOT,
          "sybils: %d key pairs ground (honest: %d); in honest tables %d (%d tables); PUTs %d sent, %d acked, %d refused; flood hashes %d%n",
          c.get("sybil.keygens"), c.getOrDefault("identity.honest_keygens", 0L), c.getOrDefault("sybil.table_contacts", 0L),
          c.getOrDefault("sybil.tables_with_sybils", 0L), c.getOrDefault("sybil.puts_sent", 0L),
          c.getOrDefault("sybil.put_acks", 0L), refused(c), c.getOrDefault("sybil.flood_hashes", 0L)));
      b.append(String.format(Locale.ROOT, "stores: %d presence records, %d other values held by honest nodes%n",
          c.getOrDefault("store.presence_records", 0L), c.getOrDefault("store.other_values", 0L)));
    }
    if (c.containsKey("eclipse.target_table_sybils")) {
      b.append(String.format(Locale.ROOT, "eclipse: target's table %d contacts, %d of them Sybils; %d honest nodes hold its record;"
          + " closest Sybil with the id work shares %d bits with the target; %d Sybil ids lack the work%n",
          c.get("eclipse.target_table_contacts"), c.get("eclipse.target_table_sybils"),
          c.getOrDefault("eclipse.honest_record_holders", 0L), c.getOrDefault("eclipse.sybil_best_prefix", 0L),
          c.getOrDefault("sybil.ids_below_work", 0L)));
    }
    b.append(ConnectReport.summary(r));
    return b.toString();
  }

  private static long refused(Map<String, Long> c) {
    long n = 0;
    for (Map.Entry<String, Long> e : c.entrySet()) if (e.getKey().startsWith("sybil.put_error.")) n += e.getValue();
    return n;
  }

  /**
   * Return the p50 and p99 of the successful {@code kind} queries' latency over the ideal (median
   * RTT x ceil(log_k N)), or null if none succeeded.
   */
  static double[] idealRatio(RunResult r, Measurements.Kind kind) {
    long[] latency = r.measurements().summarise(kind).latency();
    if (latency.length == 0) return null;
    double ideal = (double) r.medianRttMs() * idealHops(r.nodes(), r.scenario().integer("k"));
    return new double[] {
      Measurements.percentile(latency, 50) / ideal, Measurements.percentile(latency, 99) / ideal
    };
  }

  /** Return ceil(log_k n), at least 1. */
  static int idealHops(int n, int k) {
    return Math.max(1, (int) Math.ceil(Math.log(n) / Math.log(k) - 1e-9));
  }

  /** Return the performance line of one run (wall clock and heap; not deterministic). */
  public static String perf(RunResult r) {
    RunResult.Perf p = r.perf();
    return String.format(Locale.ROOT,
        "perf: %d events in %.1f s = %.0f events/s; setup %.1f s; key pairs %.1f s; heap after setup %.0f B/node (%.1f MB); peak heap %.0f B/node (%.1f MB)%n",
        p.events(), p.runSeconds(), p.eventsPerSecond(), p.setupSeconds(), p.keygenSeconds(),
        (double) p.heapAfterSetup() / r.nodes(), p.heapAfterSetup() / 1e6, (double) p.peakHeap() / r.nodes(),
        p.peakHeap() / 1e6);
  }

  private static String triple(long[] sorted) {
    if (sorted.length == 0) return "-";
    return Measurements.percentile(sorted, 50) + "/" + Measurements.percentile(sorted, 90) + "/"
        + Measurements.percentile(sorted, 99);
  }

  /** Return the success-rate grid of a sweep: one row per adversary fraction, one column per d. */
  public static String grid(List<RunResult> runs) {
    TreeSet<Double> fractions = new TreeSet<>();
    TreeSet<Integer> ds = new TreeSet<>();
    for (RunResult r : runs) {
      fractions.add(r.scenario().dbl("adversaries"));
      ds.add(r.scenario().integer("disjoint_paths"));
    }
    StringBuilder b = new StringBuilder("lookup success (%) by adversary fraction (rows) and disjoint paths d (columns)\n");
    b.append(String.format(Locale.ROOT, "%-10s", "adv \\ d"));
    for (int d : ds) b.append(String.format(Locale.ROOT, "%9s", "d=" + d));
    b.append('\n');
    for (double f : fractions) {
      String pct = 100 * f == Math.rint(100 * f) ? String.format(Locale.ROOT, "%.0f%%", 100 * f)
          : String.format(Locale.ROOT, "%.2f%%", 100 * f);
      b.append(String.format(Locale.ROOT, "%-10s", pct));
      for (int d : ds) {
        b.append(String.format(Locale.ROOT, "%9s", cell(runs, f, d)));
      }
      b.append('\n');
    }
    return b.toString();
  }

  private static String cell(List<RunResult> runs, double f, int d) {
    for (RunResult r : runs) {
      if (r.scenario().dbl("adversaries") == f && r.scenario().integer("disjoint_paths") == d) {
        return String.format(Locale.ROOT, "%.1f", 100 * lookupSummary(r).successRate());
      }
    }
    return "-";
  }

  /** Return the summary of the run's lookups (GET if it ran GETs, else FIND_NODE). */
  static Measurements.Summary lookupSummary(RunResult r) {
    Measurements.Summary get = r.measurements().summarise(Measurements.Kind.GET);
    return get.started() > 0 ? get : r.measurements().summarise(Measurements.Kind.FIND_NODE);
  }

  // ---------------------------------------------------------------- CSV

  /** Write measurements.csv, summary.csv, timeline.csv and counters.csv for {@code runs} into {@code dir}. */
  public static void writeCsv(List<RunResult> runs, Path dir) throws IOException {
    Files.createDirectories(dir);
    try (Writer w = Files.newBufferedWriter(dir.resolve("measurements.csv"), StandardCharsets.UTF_8)) {
      w.write("run,kind,origin,target,start_ms,end_ms,latency_ms,status,hops,messages,responses,timeouts,acks\n");
      for (RunResult r : runs) {
        String run = csv(label(r));
        for (Measurements.Query q : r.measurements().all()) {
          w.write(run + "," + q.kind() + "," + q.origin() + "," + q.target() + "," + q.start() + "," + q.end() + ","
              + q.latency() + "," + q.status() + "," + q.hops() + "," + q.messages() + "," + q.responses() + ","
              + q.timeouts() + "," + q.acks() + "\n");
        }
      }
    }
    try (Writer w = Files.newBufferedWriter(dir.resolve("summary.csv"), StandardCharsets.UTF_8)) {
      w.write("run,nodes,adversaries,disjoint_paths,kind,started,ok,failed,stale,unfinished,aborted,success,"
          + "hops_p50,hops_p90,hops_p99,latency_p50_ms,latency_p90_ms,latency_p99_ms,messages_mean,median_rtt_ms,ideal_ms\n");
      for (RunResult r : runs) {
        for (Measurements.Kind kind : Measurements.Kind.values()) {
          Measurements.Summary m = r.measurements().summarise(kind);
          if (m.started() == 0) continue;
          int ideal = idealHops(r.nodes(), r.scenario().integer("k"));
          w.write(String.format(Locale.ROOT, "%s,%d,%s,%s,%s,%d,%d,%d,%d,%d,%d,%.4f,%d,%d,%d,%d,%d,%d,%.2f,%d,%d%n",
              csv(label(r)), r.nodes(), r.scenario().str("adversaries"), r.scenario().str("disjoint_paths"), kind,
              m.started(), m.ok(), m.failed(), m.stale(), m.unfinished(), m.aborted(), m.successRate(),
              Measurements.percentile(m.hops(), 50), Measurements.percentile(m.hops(), 90),
              Measurements.percentile(m.hops(), 99), Measurements.percentile(m.latency(), 50),
              Measurements.percentile(m.latency(), 90), Measurements.percentile(m.latency(), 99),
              m.messagesMean(), r.medianRttMs(), r.medianRttMs() * ideal));
        }
      }
    }
    try (Writer w = Files.newBufferedWriter(dir.resolve("timeline.csv"), StandardCharsets.UTF_8)) {
      w.write("run,bucket_start_s,ok,lookups,success,mean_latency_ms\n");
      for (RunResult r : runs) {
        for (Map.Entry<Long, long[]> e : r.timeline().buckets().entrySet()) {
          long[] v = e.getValue();
          w.write(String.format(Locale.ROOT, "%s,%d,%d,%d,%.4f,%.0f%n", csv(label(r)), e.getKey() / 1000, v[0], v[1],
              v[1] == 0 ? 0.0 : (double) v[0] / v[1], v[0] == 0 ? 0.0 : (double) v[2] / v[0]));
        }
      }
    }
    try (Writer w = Files.newBufferedWriter(dir.resolve("traffic.csv"), StandardCharsets.UTF_8)) {
      w.write("run,minute,datagrams\n");
      for (RunResult r : runs) {
        long[] t = r.timeline().datagramsPerMinute();
        for (int m = 0; m < t.length; m++) {
          w.write(csv(label(r)) + "," + m + "," + t[m] + "\n");
        }
      }
    }
    ConnectReport.writeCsv(runs, dir);
    try (Writer w = Files.newBufferedWriter(dir.resolve("counters.csv"), StandardCharsets.UTF_8)) {
      w.write("run,counter,value\n");
      for (RunResult r : runs) {
        for (Map.Entry<String, Long> e : r.counters().entrySet()) {
          w.write(csv(label(r)) + "," + e.getKey() + "," + e.getValue() + "\n");
        }
      }
    }
  }

  private static String csv(String s) {
    return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }
}
