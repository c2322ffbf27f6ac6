package dev.wormholes.node.nat;

/** A punch ended without a direct path; the message names the reason (then relay instead). */
public final class PunchFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Make the exception with {@code reason}. */
  public PunchFailedException(String reason) {
    super(reason, null, false, false);
  }
}
