package dev.wormholes.sim;

import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * A distribution of session or downtime lengths in milliseconds, written in scenarios as
 * {@code exponential:mean_s=600}, {@code weibull:shape=0.5,mean_s=3600} or {@code
 * pareto:shape=2,mean_s=1800}. The mean is the parameter people know from measurement studies;
 * scale parameters are derived from it.
 *
 * @param kind exponential, weibull or pareto
 * @param meanMs mean length in milliseconds
 * @param shape Weibull k or Pareto alpha (ignored for exponential); Pareto needs shape > 1
 */
public record Distribution(String kind, double meanMs, double shape) {

  /** Check the parameters. */
  public Distribution {
    if (!(meanMs > 0)) {
      throw new IllegalArgumentException("mean must be > 0: " + meanMs);
    }
    switch (kind) {
      case "exponential":
        break;
      case "weibull":
        if (!(shape > 0)) throw new IllegalArgumentException("weibull shape must be > 0");
        break;
      case "pareto":
        if (!(shape > 1)) throw new IllegalArgumentException("pareto shape must be > 1 (finite mean)");
        break;
      default:
        throw new IllegalArgumentException("unknown distribution " + kind + " (exponential, weibull, pareto)");
    }
  }

  /** Parse {@code kind:key=value,...}; throw IllegalArgumentException on anything else. */
  public static Distribution parse(String spec) {
    String s = spec.trim().toLowerCase(Locale.ROOT);
    int colon = s.indexOf(':');
    String kind = colon < 0 ? s : s.substring(0, colon);
    double mean = Double.NaN;
    double shape = 1;
    if (colon >= 0) {
      for (String part : s.substring(colon + 1).split(",")) {
        String[] kv = part.split("=", 2);
        if (kv.length != 2) throw new IllegalArgumentException("expected key=value in " + spec);
        double v = Double.parseDouble(kv[1].trim());
        switch (kv[0].trim()) {
          case "mean_s": mean = v * 1000; break;
          case "mean_min": mean = v * 60_000; break;
          case "shape": shape = v; break;
          default: throw new IllegalArgumentException("unknown parameter " + kv[0] + " in " + spec);
        }
      }
    }
    if (Double.isNaN(mean)) throw new IllegalArgumentException("missing mean_s in " + spec);
    return new Distribution(kind, mean, shape);
  }

  /** Draw a length in milliseconds (at least 1). */
  public long sample(RandomGenerator r) {
    double u = 1.0 - r.nextDouble(); // (0, 1]
    double x;
    switch (kind) {
      case "weibull":
        x = meanMs / gamma(1 + 1 / shape) * Math.pow(-Math.log(u), 1 / shape);
        break;
      case "pareto":
        x = meanMs * (shape - 1) / shape / Math.pow(u, 1 / shape);
        break;
      default:
        x = -meanMs * Math.log(u);
    }
    return Math.max(1, Math.min((long) x, Long.MAX_VALUE / 4));
  }

  /** Return the gamma function of {@code x} > 0 (Lanczos approximation, g = 7). */
  static double gamma(double x) {
    if (x < 0.5) {
      return Math.PI / (Math.sin(Math.PI * x) * gamma(1 - x));
    }
    double[] c = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
        -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
        1.5056327351493116e-7};
    double y = x - 1;
    double a = c[0];
    double t = y + 7.5;
    for (int i = 1; i < 9; i++) {
      a += c[i] / (y + i);
    }
    return Math.sqrt(2 * Math.PI) * Math.pow(t, y + 0.5) * Math.exp(-t) * a;
  }

  @Override
  public String toString() {
    return kind.equals("exponential")
        ? String.format(Locale.ROOT, "exponential:mean_s=%.0f", meanMs / 1000)
        : String.format(Locale.ROOT, "%s:shape=%s,mean_s=%.0f", kind, shape, meanMs / 1000);
  }
}
