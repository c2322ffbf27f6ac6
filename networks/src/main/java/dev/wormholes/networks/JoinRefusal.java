package dev.wormholes.networks;

/** Why a join request was refused. */
public enum JoinRefusal {
  /** No pending invite has that tag. */
  UNKNOWN,
  /** The invite was used by someone else already. */
  REPLAYED,
  /** The invite expired. */
  EXPIRED,
  /** The request is malformed, of another network, or its signature does not verify. */
  BAD_REQUEST
}
