package dev.wormholes.people;

/** Where a contact stands. */
public enum ContactState {
  /** They asked; this side has not approved. */
  PENDING_IN,
  /** This side asked; they have not approved. */
  PENDING_OUT,
  /** Both sides agreed; its devices may open streams to this node's services. */
  ACCEPTED,
  /** Refused: by the person, or by trust on first use until re-verified (see the block reason). */
  BLOCKED
}
