package dev.wormholes.people;

/** The outcome of verifying a key log or appending an event: the log, or why it was refused. */
public sealed interface LogResult {
  /** A log that verified from its inception. */
  record Valid(KeyLog log) implements LogResult {}

  /** A refusal: {@code failure} at the event of index {@code seq} (-1 for the log as a whole). */
  record Invalid(LogFailure failure, long seq) implements LogResult {}

  /** Return the log; throw IllegalStateException if this is a refusal (for logs this node built). */
  default KeyLog orThrow() {
    if (this instanceof Valid v) {
      return v.log();
    }
    Invalid i = (Invalid) this;
    throw new IllegalStateException("key log refused: " + i.failure() + " at seq " + i.seq());
  }
}
