package dev.wormholes.node.fuzz;

/** Bounds of a fuzzing run ({@code JAZZER_FUZZ=1}); the normal suite only replays the seed inputs. */
public final class FuzzRuns {
  /** Executions of one long run. */
  public static final long MAX_EXECUTIONS = 10_000_000L;
  /** Longest one long run may take. */
  public static final String MAX_DURATION = "30m";

  private FuzzRuns() {}
}
