package dev.wormholes.sim;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG charts of a report, drawn with XChart in headless mode: hop histogram, lookup latency CDF,
 * success over time (runs with churn or a mass departure) and, for sweeps, success against the
 * adversary fraction per number of disjoint paths.
 */
public final class Plots {
  private static final int W = 900;
  private static final int H = 560;

  private Plots() {}

  /** Write every chart that applies to {@code runs} into {@code dir}; return the files written. */
  public static List<Path> write(List<RunResult> runs, Path dir) throws IOException {
    System.setProperty("java.awt.headless", "true");
    List<Path> out = new ArrayList<>();
    out.add(save(hops(runs), dir.resolve("hops.png")));
    out.add(save(latencyCdf(runs), dir.resolve("latency-cdf.png")));
    boolean timed = runs.stream().anyMatch(r -> r.timeline().buckets().size() > 1
        && (r.scenario().churn() != null || r.scenario().lng("leave.at_s") >= 0));
    if (timed) {
      out.add(save(successOverTime(runs), dir.resolve("success-over-time.png")));
      out.add(save(latencyOverTime(runs), dir.resolve("latency-over-time.png")));
    }
    if (runs.size() > 1) out.add(save(grid(runs), dir.resolve("adversary-grid.png")));
    out.addAll(ConnectReport.plots(runs, dir));
    return out;
  }

  private static Path save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path file) throws IOException {
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapFormat.PNG);
    return file;
  }

  private static CategoryChart hops(List<RunResult> runs) {
    CategoryChart c = new CategoryChartBuilder().width(W).height(H).title("Hops per successful lookup")
        .xAxisTitle("hops").yAxisTitle("share of lookups (%)").build();
    c.getStyler().setOverlapped(runs.size() > 1);
    int max = 1;
    for (RunResult r : runs) {
      long[] h = Report.lookupSummary(r).hops();
      if (h.length > 0) max = Math.max(max, (int) h[h.length - 1]);
    }
    List<Integer> xs = new ArrayList<>();
    for (int i = 0; i <= max; i++) xs.add(i);
    for (RunResult r : limit(runs)) {
      long[] h = Report.lookupSummary(r).hops();
      double[] share = new double[max + 1];
      for (long v : h) share[(int) v] += 100.0 / h.length;
      List<Double> ys = new ArrayList<>();
      for (double v : share) ys.add(v);
      c.addSeries(Report.label(r), xs, ys);
    }
    return c;
  }

  private static XYChart latencyCdf(List<RunResult> runs) {
    XYChart c = new XYChartBuilder().width(W).height(H).title("Lookup latency CDF (successful lookups)")
        .xAxisTitle("latency (ms, virtual)").yAxisTitle("fraction of lookups").build();
    for (RunResult r : limit(runs)) {
      long[] lat = Report.lookupSummary(r).latency();
      if (lat.length == 0) continue;
      int points = Math.min(lat.length, 400);
      double[] x = new double[points];
      double[] y = new double[points];
      for (int i = 0; i < points; i++) {
        int idx = (int) ((long) (i + 1) * lat.length / points) - 1;
        x[i] = lat[idx];
        y[i] = (idx + 1.0) / lat.length;
      }
      c.addSeries(Report.label(r), x, y).setMarker(SeriesMarkers.NONE);
    }
    return c;
  }

  private static XYChart successOverTime(List<RunResult> runs) {
    XYChart c = new XYChartBuilder().width(W).height(H).title("Lookup success over time")
        .xAxisTitle("virtual time (min)").yAxisTitle("success (%) of lookups started in the interval").build();
    c.getStyler().setXAxisDecimalPattern("#0");
    for (RunResult r : limit(runs)) {
      Map<Long, long[]> b = r.timeline().buckets();
      if (b.isEmpty()) continue;
      double[] x = new double[b.size()];
      double[] y = new double[b.size()];
      int i = 0;
      for (Map.Entry<Long, long[]> e : b.entrySet()) {
        x[i] = e.getKey() / 60_000.0;
        y[i++] = e.getValue()[1] == 0 ? 0 : 100.0 * e.getValue()[0] / e.getValue()[1];
      }
      XYSeries s = c.addSeries(Report.label(r), x, y);
      s.setMarker(SeriesMarkers.CIRCLE);
      long leave = r.scenario().lng("leave.at_s");
      if (leave >= 0) {
        c.addSeries("mass departure " + Report.label(r), new double[] {leave / 60.0, leave / 60.0}, new double[] {0, 100})
            .setMarker(SeriesMarkers.NONE);
      }
    }
    return c;
  }

  private static XYChart latencyOverTime(List<RunResult> runs) {
    XYChart c = new XYChartBuilder().width(W).height(H).title("Mean latency of successful lookups over time")
        .xAxisTitle("virtual time (min)").yAxisTitle("mean latency (ms) of lookups started in the interval").build();
    c.getStyler().setXAxisDecimalPattern("#0");
    for (RunResult r : limit(runs)) {
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (Map.Entry<Long, long[]> e : r.timeline().buckets().entrySet()) {
        if (e.getValue()[0] == 0) continue;
        xs.add(e.getKey() / 60_000.0);
        ys.add((double) e.getValue()[2] / e.getValue()[0]);
      }
      if (xs.isEmpty()) continue;
      c.addSeries(Report.label(r), xs, ys).setMarker(SeriesMarkers.CIRCLE);
    }
    return c;
  }

  private static XYChart grid(List<RunResult> runs) {
    XYChart c = new XYChartBuilder().width(W).height(H).title("Lookup success vs adversary fraction")
        .xAxisTitle("adversaries (% of nodes)").yAxisTitle("lookup success (%)").build();
    TreeMap<Integer, TreeMap<Double, Double>> byD = new TreeMap<>();
    for (RunResult r : runs) {
      byD.computeIfAbsent(r.scenario().integer("disjoint_paths"), d -> new TreeMap<>())
          .put(100 * r.scenario().dbl("adversaries"), 100 * Report.lookupSummary(r).successRate());
    }
    for (Map.Entry<Integer, TreeMap<Double, Double>> e : byD.entrySet()) {
      TreeSet<Double> xs = new TreeSet<>(e.getValue().keySet());
      double[] x = xs.stream().mapToDouble(Double::doubleValue).toArray();
      double[] y = xs.stream().mapToDouble(e.getValue()::get).toArray();
      c.addSeries("d=" + e.getKey(), x, y).setMarker(SeriesMarkers.CIRCLE);
    }
    return c;
  }

  /** Overlaying more than a handful of runs makes a chart unreadable: plot at most eight. */
  private static List<RunResult> limit(List<RunResult> runs) {
    if (runs.size() <= 8) return runs;
    List<RunResult> out = new ArrayList<>();
    for (int i = 0; i < 8; i++) out.add(runs.get(i * runs.size() / 8));
    return out;
  }
}
