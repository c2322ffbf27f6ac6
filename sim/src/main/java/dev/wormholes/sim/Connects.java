package dev.wormholes.sim;

import dev.wormholes.nat.punch.HolePunch;
import java.util.Arrays;

/**
 * Every measured connect of the NAT layer: initiator and target, their NAT categories, when the
 * connect was requested, and how it ended (a direct path, a relayed one, or none). Categories are the
 * {@link dev.wormholes.sim.nat.NatType} ordinals, plus {@link #MAPPED} for a NAT box with a port
 * mapping (UPnP-IGD, NAT-PMP or PCP), whatever its type.
 */
public final class Connects {
  /** The category of a NAT box with a static port mapping. */
  public static final int MAPPED = 5;
  /** Category names, by category. */
  public static final String[] CATEGORIES = {"public", "full", "address", "port", "symmetric", "mapped"};

  /** How a connect ended. */
  public enum Outcome {
    /** Still running at the end of the run (counted as relay needed). */
    UNFINISHED,
    /** An authenticated direct path (PathEstablished at the initiator). */
    DIRECT,
    /** The ladder gave up: no direct path and no relay worked. */
    FAILED,
    /** A relayed path (the ladder's dial through a relay circuit connected). */
    RELAYED
  }

  final int[] initiator;
  final int[] target;
  final int[] rendezvous;
  final byte[] catA;
  final byte[] catB;
  final long[] start;
  final long[] end;
  /** When the initiator's lookup of the target's record finished (-1: none, or answered at once). */
  final long[] lookupEnd;
  final Outcome[] outcome;
  final HolePunch.PathKind[] kind;
  final HolePunch.FailReason[] reason;
  final int[] probesA;
  final int[] probesB;
  final boolean[] punchTried;

  Connects(int pairs) {
    initiator = new int[pairs];
    target = new int[pairs];
    rendezvous = new int[pairs];
    catA = new byte[pairs];
    catB = new byte[pairs];
    start = new long[pairs];
    end = new long[pairs];
    Arrays.fill(start, -1);
    Arrays.fill(end, -1);
    lookupEnd = new long[pairs];
    Arrays.fill(lookupEnd, -1);
    outcome = new Outcome[pairs];
    Arrays.fill(outcome, Outcome.UNFINISHED);
    kind = new HolePunch.PathKind[pairs];
    reason = new HolePunch.FailReason[pairs];
    probesA = new int[pairs];
    probesB = new int[pairs];
    Arrays.fill(probesA, -1);
    Arrays.fill(probesB, -1);
    punchTried = new boolean[pairs];
  }

  /** Return the number of pairs. */
  public int pairs() {
    return initiator.length;
  }

  /** Return how pair {@code p} ended. */
  public Outcome outcome(int p) {
    return outcome[p];
  }

  /** Return the initiator's category of pair {@code p}. */
  public int initiatorCategory(int p) {
    return catA[p];
  }

  /** Return the target's category of pair {@code p}. */
  public int targetCategory(int p) {
    return catB[p];
  }

  /** Return the path kind of a direct pair, or null. */
  public HolePunch.PathKind kind(int p) {
    return kind[p];
  }

  /** Return the initiator's probes of pair {@code p}, -1 if it reported none. */
  public int probesA(int p) {
    return probesA[p];
  }

  /** Return time from the connect request to the end of the lookup of the target's record, or -1 (none, or handed in). */
  public long lookupTime(int p) {
    return start[p] >= 0 && lookupEnd[p] >= 0 ? lookupEnd[p] - start[p] : -1;
  }

  /** Return time from the connect request to the direct path, or -1. */
  public long timeToDirect(int p) {
    return outcome[p] == Outcome.DIRECT ? end[p] - start[p] : -1;
  }

  /** Return time from the connect request to its path, direct or relayed, or -1. */
  public long timeToPath(int p) {
    return outcome[p] == Outcome.DIRECT || outcome[p] == Outcome.RELAYED ? end[p] - start[p] : -1;
  }

  /** Return the pairs that were started. */
  public int started() {
    int s = 0;
    for (long t : start) if (t >= 0) s++;
    return s;
  }

  /** Return the pairs with outcome {@code o} among those matching the categories (-1: any). */
  public int count(Outcome o, int a, int b) {
    int c = 0;
    for (int p = 0; p < pairs(); p++) {
      if (start[p] >= 0 && outcome[p] == o && matches(p, a, b)) c++;
    }
    return c;
  }

  /** Return the started pairs matching the categories (-1: any). */
  public int count(int a, int b) {
    int c = 0;
    for (int p = 0; p < pairs(); p++) {
      if (start[p] >= 0 && matches(p, a, b)) c++;
    }
    return c;
  }

  private boolean matches(int p, int a, int b) {
    return (a < 0 || catA[p] == a) && (b < 0 || catB[p] == b);
  }

  /** Return the sorted times to a direct path of the matching pairs (-1: any category). */
  public long[] timesToDirect(int a, int b) {
    long[] out = new long[pairs()];
    int n = 0;
    for (int p = 0; p < pairs(); p++) {
      if (outcome[p] == Outcome.DIRECT && matches(p, a, b)) out[n++] = end[p] - start[p];
    }
    out = Arrays.copyOf(out, n);
    Arrays.sort(out);
    return out;
  }

  /** Return the sorted times to a relayed path of the matching pairs (-1: any category). */
  public long[] timesToRelayed(int a, int b) {
    long[] out = new long[pairs()];
    int n = 0;
    for (int p = 0; p < pairs(); p++) {
      if (outcome[p] == Outcome.RELAYED && matches(p, a, b)) out[n++] = end[p] - start[p];
    }
    out = Arrays.copyOf(out, n);
    Arrays.sort(out);
    return out;
  }

  /** Return the sorted probe counts of the direct pairs matching the categories, initiators' or targets'. */
  public long[] directProbes(int a, int b, boolean initiators) {
    long[] out = new long[pairs()];
    int n = 0;
    for (int p = 0; p < pairs(); p++) {
      int probes = initiators ? probesA[p] : probesB[p];
      if (outcome[p] == Outcome.DIRECT && matches(p, a, b) && probes >= 0) out[n++] = probes;
    }
    out = Arrays.copyOf(out, n);
    Arrays.sort(out);
    return out;
  }

  /** Return the sorted probe counts of the initiators (all started pairs that reported one). */
  public long[] initiatorProbes(Outcome only) {
    long[] out = new long[pairs()];
    int n = 0;
    for (int p = 0; p < pairs(); p++) {
      if (probesA[p] >= 0 && (only == null || outcome[p] == only)) out[n++] = probesA[p];
    }
    out = Arrays.copyOf(out, n);
    Arrays.sort(out);
    return out;
  }

  /** Return the direct pairs whose path came about as {@code k}. */
  public int count(HolePunch.PathKind k) {
    int c = 0;
    for (int p = 0; p < pairs(); p++) if (kind[p] == k) c++;
    return c;
  }

  /** Return the pairs whose punch failed for {@code r} (they ended relayed or failed). */
  public int count(HolePunch.FailReason r) {
    int c = 0;
    for (int p = 0; p < pairs(); p++) if (reason[p] == r) c++;
    return c;
  }

  /** Return the relayed or failed pairs that tried no punch: none could work, so the ladder went to a relay. */
  public int countNoPunch() {
    int c = 0;
    for (int p = 0; p < pairs(); p++) {
      if ((outcome[p] == Outcome.FAILED || outcome[p] == Outcome.RELAYED) && reason[p] == null && !punchTried[p]) c++;
    }
    return c;
  }

  /** Return the relayed pairs whose punch was still running when the relayed path won. */
  public int countPunchRunning() {
    int c = 0;
    for (int p = 0; p < pairs(); p++) {
      if (outcome[p] == Outcome.RELAYED && reason[p] == null && punchTried[p]) c++;
    }
    return c;
  }

  /** Return the total probes both sides reported. */
  public long totalProbes() {
    long t = 0;
    for (int p = 0; p < pairs(); p++) t += Math.max(0, probesA[p]) + Math.max(0, probesB[p]);
    return t;
  }
}
