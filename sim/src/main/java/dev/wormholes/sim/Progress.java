package dev.wormholes.sim;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar with an ETA on stderr, redrawn at most twice a second. It reads the wall
 * clock, which is fine here: it is outside the simulated nodes and never affects results.
 */
public final class Progress {
  private static final long REDRAW_NS = 500_000_000L;
  private final PrintStream out;
  private final boolean enabled;
  private String label = "";
  private long total = 1;
  private long startNs;
  private long lastDrawNs;

  /** Draw on {@code out}, or nothing when {@code enabled} is false. */
  public Progress(PrintStream out, boolean enabled) {
    this.out = out;
    this.enabled = enabled;
  }

  /** Start a phase of {@code total} units. */
  public void phase(String label, long total) {
    finish();
    this.label = label;
    this.total = Math.max(1, total);
    this.startNs = System.nanoTime();
    this.lastDrawNs = 0;
  }

  /** Report {@code done} units; {@code extra} is appended (events/s, virtual time...). */
  public void update(long done, String extra) {
    if (!enabled) return;
    long t = System.nanoTime();
    if (t - lastDrawNs < REDRAW_NS) return;
    lastDrawNs = t;
    double f = Math.min(1, Math.max(0, (double) done / total));
    int width = 30;
    int fill = (int) (f * width);
    double elapsed = (t - startNs) / 1e9;
    String eta = f > 0.001 ? clock(elapsed / f - elapsed) : "?";
    out.printf(Locale.ROOT, "\r%-14s [%s%s] %5.1f%%  elapsed %s  ETA %s  %s   ", label,
        "#".repeat(fill), ".".repeat(width - fill), 100 * f, clock(elapsed), eta, extra);
    out.flush();
  }

  /** End the current phase's line. */
  public void finish() {
    if (enabled && lastDrawNs != 0) {
      out.println();
      lastDrawNs = 0;
    }
  }

  private static String clock(double seconds) {
    long s = Math.round(seconds);
    return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  }
}
