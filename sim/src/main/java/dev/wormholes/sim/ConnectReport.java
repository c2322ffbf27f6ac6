package dev.wormholes.sim;

import dev.wormholes.nat.punch.HolePunch;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The NAT layer's part of a report: direct-connection share overall and per pair of NAT
 * categories (a matrix, initiator by target), time to a direct path, probes, relay-needed share;
 * {@code connects.csv} (every pair) and {@code nat-matrix.csv}; two charts. Deterministic text.
 */
public final class ConnectReport {
  private static final int CATS = Connects.CATEGORIES.length;

  private ConnectReport() {}

  /** Return the NAT block of the summary, or "" for a run without connects. */
  public static String summary(RunResult r) {
    Connects c = r.connects();
    if (c == null) return "";
    Map<String, Long> k = r.counters();
    StringBuilder b = new StringBuilder();
    long natted = 0;
    long hard = k.getOrDefault("nat.nodes.symmetric", 0L);
    long mapped = 0;
    for (String t : Connects.CATEGORIES) {
      if (!t.equals("public") && !t.equals("mapped")) natted += k.getOrDefault("nat.nodes." + t, 0L);
      mapped += k.getOrDefault("nat.nodes." + t + "+mapped", 0L);
    }
    b.append(String.format(Locale.ROOT,
        "nat: mix %s; endpoint-dependent (symmetric) %.1f%% of nodes; %d of %d NATed nodes have a port mapping; mapping timeout %s s%n",
        r.scenario().str("nat.mix"), 100.0 * hard / r.nodes(), mapped, natted, r.scenario().str("nat.mapping_timeout_s")));
    int started = c.started();
    int direct = c.count(Connects.Outcome.DIRECT, -1, -1);
    int failed = c.count(Connects.Outcome.FAILED, -1, -1);
    int relayed = c.count(Connects.Outcome.RELAYED, -1, -1);
    int unfinished = started - direct - failed - relayed;
    b.append(String.format(Locale.ROOT, "%-9s %7s %7s %8s  %-32s  %-27s  %-26s%n", "connects", "started", "direct",
        "share", "relay needed (relayed+fail+unfin)", "time-to-direct ms p50/90/99", "initiator probes p50/90/99"));
    b.append(String.format(Locale.ROOT, "%-9s %7d %7d %7.2f%%  %-32s  %-27s  %-26s%n", "all", started, direct,
        pct(direct, started), String.format(Locale.ROOT, "%.2f%% (%d+%d+%d)", pct(started - direct, started), relayed, failed, unfinished),
        triple(c.timesToDirect(-1, -1)), triple(c.initiatorProbes(null))));
    b.append(String.format(Locale.ROOT, "relayed %d (%.2f%%), time-to-relayed ms p50/90/99 %s; no path %d (%.2f%%: %d failed + %d unfinished)%n",
        relayed, pct(relayed, started), triple(c.timesToRelayed(-1, -1)), failed + unfinished,
        pct(failed + unfinished, started), failed, unfinished));
    b.append("path kinds:");
    for (HolePunch.PathKind pk : HolePunch.PathKind.values()) b.append(' ').append(pk).append(' ').append(c.count(pk));
    b.append(String.format(Locale.ROOT, "; probes both sides: %d in all, %.1f per connect%n", c.totalProbes(),
        started == 0 ? 0.0 : (double) c.totalProbes() / started));
    b.append("relay needed because:");
    for (HolePunch.FailReason fr : HolePunch.FailReason.values()) b.append(' ').append(fr).append(' ').append(c.count(fr));
    b.append(" NO_PUNCH ").append(c.countNoPunch()).append(" PUNCH_RUNNING ").append(c.countPunchRunning()).append(" UNFINISHED ").append(unfinished).append('\n');
    if (k.containsKey("nat.classified.right")) {
      long right = k.get("nat.classified.right");
      long all = right + k.getOrDefault("nat.classified.wrong", 0L);
      b.append(String.format(Locale.ROOT,
          "classification (NatCore through the boxes): %d of %d members right at the end; wrong mapping %d, wrong filtering %d, never observed %d; %d connects before their initiator had an observation%n",
          right, all, k.getOrDefault("nat.classified.wrong_mapping", 0L), k.getOrDefault("nat.classified.wrong_filtering", 0L),
          k.getOrDefault("nat.classified.no_reflector", 0L), k.getOrDefault("nat.connects_unclassified", 0L)));
    }
    b.append(matrix(c));
    if (r.scenario().str("nat.dht").equals("true")) b.append(dht(k));
    b.append(String.format(Locale.ROOT,
        "nat boxes: %d in use, %d mappings created, %d expired, %d inbound dropped by filtering, %d table-full drops, peak %d entries in one box; %d NAT datagrams, %d lost%n",
        k.getOrDefault("nat.boxes", 0L), k.getOrDefault("nat.mappings_created", 0L),
        k.getOrDefault("nat.mappings_expired", 0L), k.getOrDefault("nat.filtered", 0L),
        k.getOrDefault("nat.table_full", 0L), k.getOrDefault("nat.peak_box_entries", 0L),
        k.getOrDefault("nat.sent", 0L), k.getOrDefault("nat.lost", 0L)));
    return b.toString();
  }

  /** Return the DHT-through-NAT line: lookup success by the target's NAT type, filtered datagrams. */
  private static String dht(Map<String, Long> k) {
    StringBuilder b = new StringBuilder("dht through the boxes: lookup success by target NAT:");
    for (dev.wormholes.sim.nat.NatType t : dev.wormholes.sim.nat.NatType.values()) {
      long all = k.getOrDefault("dht.lookups_to." + t.label, 0L);
      if (all == 0) continue;
      long ok = k.getOrDefault("dht.lookups_ok_to." + t.label, 0L);
      b.append(String.format(Locale.ROOT, " %s %.1f%% (%d)", t.label, pct(ok, all), all));
    }
    long contacts = 0;
    for (dev.wormholes.sim.nat.NatType t : dev.wormholes.sim.nat.NatType.values()) {
      contacts += k.getOrDefault("dht.table_contacts." + t.label, 0L);
    }
    b.append("; routing-table contacts by NAT:");
    for (dev.wormholes.sim.nat.NatType t : dev.wormholes.sim.nat.NatType.values()) {
      b.append(String.format(Locale.ROOT, " %s %.1f%%", t.label, pct(k.getOrDefault("dht.table_contacts." + t.label, 0L), contacts)));
    }
    if (k.containsKey("dht.read_only_nodes")) {
      b.append(String.format(Locale.ROOT, "; read-only nodes at the end: %d", k.get("dht.read_only_nodes")));
    }
    b.append(String.format(Locale.ROOT, "; %d DHT datagrams dropped by NAT boxes; AddressObserved events: %d with the nominal address, %d with another port (a symmetric NAT: a new port per peer)%n",
        k.getOrDefault("net.nat_filtered", 0L), k.getOrDefault("dht.observed.nominal", 0L),
        k.getOrDefault("dht.observed.other_port", 0L)));
    return b.toString();
  }

  /** Return the direct-share matrix: rows initiator category, columns target category. */
  static String matrix(Connects c) {
    StringBuilder b = new StringBuilder("direct share % (pairs) by initiator (rows) and target (columns) NAT type\n");
    b.append(String.format(Locale.ROOT, "%-11s", "init\\target"));
    for (String t : Connects.CATEGORIES) b.append(String.format(Locale.ROOT, "%14s", t));
    b.append('\n');
    for (int a = 0; a < CATS; a++) {
      b.append(String.format(Locale.ROOT, "%-11s", Connects.CATEGORIES[a]));
      for (int t = 0; t < CATS; t++) {
        int pairs = c.count(a, t);
        String cell = pairs == 0 ? "-" : String.format(Locale.ROOT, "%.1f (%d)",
            pct(c.count(Connects.Outcome.DIRECT, a, t), pairs), pairs);
        b.append(String.format(Locale.ROOT, "%14s", cell));
      }
      b.append('\n');
    }
    return b.toString();
  }

  private static double pct(long part, long whole) {
    return whole == 0 ? 0.0 : 100.0 * part / whole;
  }

  private static String triple(long[] sorted) {
    if (sorted.length == 0) return "-";
    return Measurements.percentile(sorted, 50) + "/" + Measurements.percentile(sorted, 90) + "/"
        + Measurements.percentile(sorted, 99);
  }

  // ---------------------------------------------------------------- CSV

  /** Write connects.csv and nat-matrix.csv for the runs that have connects. */
  public static void writeCsv(List<RunResult> runs, Path dir) throws IOException {
    if (runs.stream().noneMatch(r -> r.connects() != null)) return;
    try (Writer w = Files.newBufferedWriter(dir.resolve("connects.csv"), StandardCharsets.UTF_8)) {
      w.write("run,pair,initiator,target,rendezvous,initiator_type,target_type,start_ms,end_ms,outcome,time_to_direct_ms,"
          + "path_kind,fail_reason,initiator_probes,target_probes,lookup_ms\n");
      for (RunResult r : runs) {
        Connects c = r.connects();
        if (c == null) continue;
        for (int p = 0; p < c.pairs(); p++) {
          w.write(String.format(Locale.ROOT, "%s,%d,%d,%d,%d,%s,%s,%d,%d,%s,%d,%s,%s,%d,%d,%d%n", csv(Report.label(r)), p,
              c.initiator[p], c.target[p], c.rendezvous[p], Connects.CATEGORIES[c.catA[p]], Connects.CATEGORIES[c.catB[p]],
              c.start[p], c.end[p], c.outcome[p], c.timeToDirect(p), c.kind[p] == null ? "" : c.kind[p],
              c.reason[p] == null ? "" : c.reason[p], c.probesA[p], c.probesB[p], c.lookupTime(p)));
        }
      }
    }
    try (Writer w = Files.newBufferedWriter(dir.resolve("nat-matrix.csv"), StandardCharsets.UTF_8)) {
      w.write("run,initiator_type,target_type,pairs,direct,failed,unfinished,direct_share,ttd_p50_ms,ttd_p90_ms,ttd_p99_ms,"
          + "initiator_probes_p50,initiator_probes_p90,target_probes_p50,target_probes_p90,relayed,ttr_p50_ms\n");
      for (RunResult r : runs) {
        Connects c = r.connects();
        if (c == null) continue;
        for (int a = -1; a < CATS; a++) {
          for (int t = -1; t < CATS; t++) {
            if ((a < 0) != (t < 0)) continue; // the overall row (any, any) and the cells
            int pairs = c.count(a, t);
            if (pairs == 0) continue;
            int d = c.count(Connects.Outcome.DIRECT, a, t);
            int f = c.count(Connects.Outcome.FAILED, a, t);
            int rl = c.count(Connects.Outcome.RELAYED, a, t);
            long[] ttd = c.timesToDirect(a, t);
            long[] pa = c.directProbes(a, t, true);
            long[] pb = c.directProbes(a, t, false);
            w.write(String.format(Locale.ROOT, "%s,%s,%s,%d,%d,%d,%d,%.4f,%d,%d,%d,%d,%d,%d,%d,%d,%d%n", csv(Report.label(r)),
                a < 0 ? "any" : Connects.CATEGORIES[a], t < 0 ? "any" : Connects.CATEGORIES[t], pairs, d, f,
                pairs - d - f - rl, (double) d / pairs, Measurements.percentile(ttd, 50), Measurements.percentile(ttd, 90),
                Measurements.percentile(ttd, 99), Measurements.percentile(pa, 50), Measurements.percentile(pa, 90),
                Measurements.percentile(pb, 50), Measurements.percentile(pb, 90), rl,
                Measurements.percentile(c.timesToRelayed(a, t), 50)));
          }
        }
      }
    }
  }

  private static String csv(String s) {
    return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }

  // ---------------------------------------------------------------- plots

  /** Write the NAT charts for the runs that have connects; return the files written. */
  public static List<Path> plots(List<RunResult> runs, Path dir) throws IOException {
    List<Path> out = new ArrayList<>();
    RunResult first = runs.stream().filter(r -> r.connects() != null && r.connects().started() > 0).findFirst().orElse(null);
    if (first == null) return out;
    Path share = dir.resolve("nat-direct-share.png");
    BitmapEncoder.saveBitmap(shareChart(first), share.toString(), BitmapEncoder.BitmapFormat.PNG);
    out.add(share);
    Path cdf = dir.resolve("nat-time-to-direct-cdf.png");
    BitmapEncoder.saveBitmap(cdfChart(runs), cdf.toString(), BitmapEncoder.BitmapFormat.PNG);
    out.add(cdf);
    return out;
  }

  private static CategoryChart shareChart(RunResult r) {
    Connects c = r.connects();
    CategoryChart chart = new CategoryChartBuilder().width(1000).height(560)
        .title("Direct connections by NAT type pair (" + r.scenario().str("name") + ")")
        .xAxisTitle("initiator's NAT").yAxisTitle("direct (%) of connects; rest need a relay").build();
    List<String> xs = new ArrayList<>();
    for (int a = 0; a < CATS; a++) if (c.count(a, -1) > 0) xs.add(Connects.CATEGORIES[a]);
    for (int t = 0; t < CATS; t++) {
      if (c.count(-1, t) == 0) continue;
      List<Double> ys = new ArrayList<>();
      for (String x : xs) {
        int a = List.of(Connects.CATEGORIES).indexOf(x);
        int pairs = c.count(a, t);
        ys.add(pairs == 0 ? 0.0 : pct(c.count(Connects.Outcome.DIRECT, a, t), pairs));
      }
      chart.addSeries("to " + Connects.CATEGORIES[t], xs, ys);
    }
    chart.getStyler().setYAxisMax(100.0);
    return chart;
  }

  private static XYChart cdfChart(List<RunResult> runs) {
    XYChart chart = new XYChartBuilder().width(900).height(560).title("Time from connect request to a direct path")
        .xAxisTitle("time to direct (ms, virtual)").yAxisTitle("fraction of all connects (relay-needed never arrive)").build();
    for (RunResult r : runs) {
      Connects c = r.connects();
      if (c == null || c.started() == 0) continue;
      addCdf(chart, Report.label(r) + " all", c.timesToDirect(-1, -1), c.started());
      if (runs.size() == 1) {
        int sym = 4;
        addCdf(chart, "initiator symmetric", c.timesToDirect(sym, -1), c.count(sym, -1));
        addCdf(chart, "port <-> symmetric", concat(c.timesToDirect(3, sym), c.timesToDirect(sym, 3)),
            c.count(3, sym) + c.count(sym, 3));
      }
    }
    return chart;
  }

  private static long[] concat(long[] a, long[] b) {
    long[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    java.util.Arrays.sort(out);
    return out;
  }

  private static void addCdf(XYChart chart, String name, long[] sorted, int total) {
    if (sorted.length == 0 || total == 0) return;
    int points = Math.min(sorted.length, 400);
    double[] x = new double[points];
    double[] y = new double[points];
    for (int i = 0; i < points; i++) {
      int idx = (int) ((long) (i + 1) * sorted.length / points) - 1;
      x[i] = sorted[idx];
      y[i] = (idx + 1.0) / total;
    }
    chart.addSeries(name, x, y).setMarker(SeriesMarkers.NONE);
  }
}
