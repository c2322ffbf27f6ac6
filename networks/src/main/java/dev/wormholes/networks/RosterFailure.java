package dev.wormholes.networks;

/** Why a roster (or an offered update of one) is refused. */
public enum RosterFailure {
  /** Not decodable, a field of the wrong size, or no changes at all. */
  MALFORMED,
  /** More changes, members or bytes than the limits allow. */
  TOO_LARGE,
  /** A change's seq or prev digest does not follow the one before. */
  BROKEN_CHAIN,
  /** A signature does not verify. */
  BAD_SIGNATURE,
  /** A change is signed by someone who is not an admin at that point. */
  NOT_ADMIN,
  /** A change that does not apply: adding a member twice, removing a non-member, the last admin... */
  INVALID_CHANGE,
  /** A change's epoch or grants are not what it must carry. */
  BAD_EPOCH,
  /** An offered roster of another network. */
  WRONG_NETWORK,
  /** An offered roster no longer than the one held (an old copy: nothing new). */
  STALE,
  /** An offered roster that does not extend the one held (a fork). */
  FORKED
}
