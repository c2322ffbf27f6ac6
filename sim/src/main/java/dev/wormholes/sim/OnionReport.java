package dev.wormholes.sim;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The onion-circuit runs of a scenario with {@code onion.circuits > 0}: one {@link OnionCircuits}
 * run per density in {@code onion.friends} under the uniform model and, with adversaries, the same
 * world under the hostile model; the summary block and {@code onion.csv}.
 */
final class OnionReport {
  private OnionReport() {}

  /** Return whether {@code s} asks for onion circuits (then wormsim runs them instead of the DHT). */
  static boolean enabled(Scenario s) {
    return s.lng("onion.circuits") > 0 || s.lng("onion.rendezvous") > 0;
  }

  /** Run every density of {@code s}, uniform then (with adversaries) hostile. */
  static List<OnionCircuits.Row> run(Scenario s) {
    List<OnionCircuits.Row> rows = new ArrayList<>();
    for (int friends : s.ints("onion.friends")) {
      rows.add(OnionCircuits.run(s, friends, false));
      if (s.dbl("adversaries") > 0) {
        rows.add(OnionCircuits.run(s, friends, true));
      }
    }
    return rows;
  }

  /** Run, print the summary on {@code stdout}, write {@code report.txt} and {@code onion.csv} into {@code out}. */
  static void runAndReport(Scenario s, Path out, PrintStream stdout) throws IOException {
    List<OnionCircuits.Row> rows = s.lng("onion.circuits") > 0 ? run(s) : List.of();
    String summary = summary(s, rows);
    if (s.lng("onion.rendezvous") > 0) {
      summary += OnionRendezvous.summary(OnionRendezvous.run(s));
    }
    stdout.print(summary);
    stdout.flush();
    if (out != null) {
      Files.createDirectories(out);
      Files.writeString(out.resolve("report.txt"), summary, StandardCharsets.UTF_8);
      Files.writeString(out.resolve("onion.csv"), csv(rows), StandardCharsets.UTF_8);
    }
  }

  /** The deterministic summary block. */
  static String summary(Scenario s, List<OnionCircuits.Row> rows) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "== %s  seed=%s nodes=%s adversaries=%.1f %% hops=%s clients=%s circuits=%s churn=%s%n",
        s.str("name"), s.str("seed"), s.str("nodes"), 100 * s.dbl("adversaries"), s.str("onion.hops"),
        s.str("onion.clients"), s.str("onion.circuits"), s.str("churn")));
    b.append("friends  degree  model    built/asked  success  builds/circ  no_path  build ms p50/90/99"
        + "  colluders hop1/2/3      drawn  both_ends  refused  dos_drops\n");
    for (OnionCircuits.Row r : rows) {
      StringBuilder hops = new StringBuilder();
      for (long c : r.colluderAtHop()) {
        hops.append(hops.length() == 0 ? "" : "/").append(pct(c, r.built()));
      }
      b.append(String.format(Locale.ROOT, "%-8d %6.1f  %-8s %5d/%-5d  %6.2f%%  %11.2f  %7d  %-18s  %-22s %6.2f%%  %8s  %7d  %9d%n",
          r.friends(), r.meanDegree(), r.hostile() ? "hostile" : "uniform", r.built(), r.circuits(),
          100 * r.success(), r.circuits() == 0 ? 0 : r.builds() / (double) r.circuits(), r.noPath(),
          r.buildPercentile(0.5) + "/" + r.buildPercentile(0.9) + "/" + r.buildPercentile(0.99), hops,
          100 * r.drawnRate(), pct(r.bothEnds(), r.built()), r.rebuildsRefused(), r.dosDrops()));
    }
    for (int i = 0; i + 1 < rows.size(); i++) {
      OnionCircuits.Row u = rows.get(i);
      OnionCircuits.Row h = rows.get(i + 1);
      if (!u.hostile() && h.hostile() && u.friends() == h.friends()) {
        b.append(String.format(Locale.ROOT,
            "colluder selection at %d friends: drawn from an honest hop's list hostile %.2f%% / uniform %.2f%% = %.2fx;"
            + " any drawn hop %.2f%% / %.2f%% = %.2fx%n",
            u.friends(), 100 * h.afterHonestRate(), 100 * u.afterHonestRate(),
            ratio(h.afterHonestRate(), u.afterHonestRate()), 100 * h.drawnRate(), 100 * u.drawnRate(),
            ratio(h.drawnRate(), u.drawnRate())));
      }
    }
    return b.toString();
  }

  /** Hostile over uniform, or NaN for a zero baseline. */
  static double ratio(double hostile, double uniform) {
    return uniform == 0 ? Double.NaN : hostile / uniform;
  }

  private static String pct(long part, long whole) {
    return whole == 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100.0 * part / whole);
  }

  /** One line per run. */
  static String csv(List<OnionCircuits.Row> rows) {
    StringBuilder b = new StringBuilder("friends,mean_degree,model,circuits,built,success,builds,no_path,"
        + "build_ms_p50,build_ms_p90,build_ms_p99,colluder_hop1,colluder_hop2,colluder_hop3,drawn_hops,"
        + "drawn_colluders,drawn_colluder_rate,after_honest,after_honest_colluders,after_honest_colluder_rate,both_ends,rebuilds_refused,guards_chosen,dos_drops,lost_to_absent,"
        + "handshakes\n");
    for (OnionCircuits.Row r : rows) {
      long[] c = r.colluderAtHop();
      b.append(String.format(Locale.ROOT, "%d,%.2f,%s,%d,%d,%.4f,%d,%d,%d,%d,%d,%d,%d,%s,%d,%d,%.4f,%d,%d,%.4f,%d,%d,%d,%d,%d,%d%n",
          r.friends(), r.meanDegree(), r.hostile() ? "hostile" : "uniform", r.circuits(), r.built(), r.success(),
          r.builds(), r.noPath(), r.buildPercentile(0.5), r.buildPercentile(0.9), r.buildPercentile(0.99),
          c[0], c[1], c.length > 2 ? Long.toString(c[2]) : "", r.drawnHops(), r.drawnColluders(), r.drawnRate(),
          r.afterHonest(), r.afterHonestColluders(), r.afterHonestRate(), r.bothEnds(), r.rebuildsRefused(), r.guardsChosen(), r.dosDrops(), r.lostToAbsent(), r.handshakes()));
    }
    return b.toString();
  }
}
