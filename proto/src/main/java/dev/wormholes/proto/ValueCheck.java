package dev.wormholes.proto;

/**
 * The outcome of checking a DHT value before storing or serving it. Validation returns one of
 * these and never throws on peer input.
 */
public enum ValueCheck {
  /** The value is well formed, signed by the key it is stored under, and current. */
  OK,
  /** The signature does not verify. */
  BAD_SIGNATURE,
  /** The value does not hash to the key it is offered under (key-to-id binding broken). */
  KEY_MISMATCH,
  /**
   * Its seq is not newer than the value already held. Never returned by {@link DhtValues#check},
   * which sees one value: a holder returns it when {@link DhtValues#supersedes} is false.
   */
  STALE_SEQ,
  /** Its expiry has passed. */
  EXPIRED,
  /** Its expiry lies further ahead than {@link Limits#MAX_PRESENCE_LIFETIME_MS}. */
  EXPIRY_TOO_FAR,
  /** A size limit is exceeded (value, salt, record). */
  TOO_LARGE,
  /** More endpoints or introducers than the limits allow. */
  TOO_MANY_ENDPOINTS,
  /** A presence record of another network than the checking node's (its {@code network_id}). */
  WRONG_NETWORK,
  /**
   * Missing fields, wrong lengths (key, signature, endpoint address, port, node id) or unparseable
   * signed bytes.
   */
  MALFORMED;

  /** Return whether this is {@link #OK}. */
  public boolean ok() {
    return this == OK;
  }
}
