package dev.wormholes.sim.nat;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The shares of NAT types in a population, as a scenario writes them:
 * {@code public:0.2, full:0.1, address:0.1, port:0.35, symmetric:0.25}. Shares must add up to 1;
 * types left out have share 0. {@link #assign} gives every node a type in exact proportions
 * (largest remainder), shuffled with the run's generator.
 */
public final class NatMix {
  private final EnumMap<NatType, Double> shares;

  private NatMix(EnumMap<NatType, Double> shares) {
    this.shares = shares;
  }

  /** Parse {@code text}; throw with a readable message on a bad entry or a sum other than 1. */
  public static NatMix parse(String text) {
    EnumMap<NatType, Double> m = new EnumMap<>(NatType.class);
    for (NatType t : NatType.values()) m.put(t, 0.0);
    double sum = 0;
    for (String part : text.split(",")) {
      if (part.isBlank()) continue;
      String[] kv = part.split(":");
      if (kv.length != 2) throw new IllegalArgumentException("nat.mix entries are type:share, got '" + part.trim() + "'");
      NatType t = NatType.of(kv[0]);
      double share;
      try {
        share = Double.parseDouble(kv[1].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("nat.mix share of " + t.label + " must be a number, got " + kv[1].trim(), e);
      }
      if (!(share >= 0 && share <= 1)) throw new IllegalArgumentException("nat.mix share of " + t.label + " must be in 0..1");
      m.put(t, share);
      sum += share;
    }
    if (Math.abs(sum - 1) > 1e-6) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "nat.mix shares must add up to 1, got %.4f", sum));
    }
    return new NatMix(m);
  }

  /** Return the share of {@code t}. */
  public double share(NatType t) {
    return shares.get(t);
  }

  /** Return the share of endpoint-dependent (symmetric) NATs in the population. */
  public double endpointDependentShare() {
    double s = 0;
    for (Map.Entry<NatType, Double> e : shares.entrySet()) {
      if (e.getKey().endpointDependent()) s += e.getValue();
    }
    return s;
  }

  /** Return the number of nodes of each type among {@code n} (largest-remainder rounding). */
  public int[] counts(int n) {
    NatType[] ts = NatType.values();
    int[] c = new int[ts.length];
    double[] rest = new double[ts.length];
    int given = 0;
    for (int i = 0; i < ts.length; i++) {
      double exact = shares.get(ts[i]) * n;
      c[i] = (int) Math.floor(exact);
      rest[i] = exact - c[i];
      given += c[i];
    }
    while (given < n) {
      int best = 0;
      for (int i = 1; i < ts.length; i++) if (rest[i] > rest[best]) best = i;
      c[best]++;
      rest[best] = -1;
      given++;
    }
    return c;
  }

  /** Return a type ordinal for each of {@code n} nodes: exact proportions, shuffled by {@code random}. */
  public byte[] assign(int n, RandomGenerator random) {
    int[] c = counts(n);
    byte[] out = new byte[n];
    int at = 0;
    for (int t = 0; t < c.length; t++) {
      for (int j = 0; j < c[t]; j++) out[at++] = (byte) t;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      byte x = out[i];
      out[i] = out[j];
      out[j] = x;
    }
    return out;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<NatType, Double> e : shares.entrySet()) {
      if (b.length() > 0) b.append(", ");
      b.append(String.format(Locale.ROOT, "%s:%.3f", e.getKey().label, e.getValue()));
    }
    return b.toString();
  }
}
