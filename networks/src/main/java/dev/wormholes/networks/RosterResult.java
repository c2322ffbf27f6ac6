package dev.wormholes.networks;

/** The outcome of verifying or extending a roster. */
public sealed interface RosterResult {
  /** The roster verified. */
  record Valid(Roster roster) implements RosterResult {}

  /** Refused, with the index of the first bad change (-1 when none is to blame). */
  record Invalid(RosterFailure failure, int index) implements RosterResult {}
}
