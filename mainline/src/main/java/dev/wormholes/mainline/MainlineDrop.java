package dev.wormholes.mainline;

/** Why {@link MainlineEngine} dropped a datagram; counted in {@link MainlineStats}. */
public enum MainlineDrop {
  /** Longer than a KRPC datagram may be. */
  OVERSIZED,
  /** Not one canonical bencoded value within the limits ({@link BencodeFailure}). */
  MALFORMED_BENCODE,
  /** Bencode, but not a KRPC message (missing or mistyped {@code t}, {@code y}, {@code q}, {@code a}, {@code r}, {@code e}). */
  MALFORMED_KRPC,
  /** A response or error whose transaction id we never sent, or that came from another address. */
  UNSOLICITED,
  /** A response missing a field the query's method needs, or with a malformed id. */
  BAD_RESPONSE,
  /** A BEP 44 item whose signature does not verify, or that is not the item asked for. */
  FORGED_ITEM,
  /** A BEP 44 item whose value is over 1000 bencoded bytes or whose salt is over 64. */
  OVERSIZED_ITEM,
  /** A query while read-only (BEP 43: a read-only node answers no queries). */
  READ_ONLY,
  /** A query over the per-second answer budget. */
  RATE_LIMITED,
  /** A query from an address not yet proven (not in the table) whose smallest answer would be larger than it. */
  WOULD_AMPLIFY
}
