package dev.wormholes.networks;

/** Why a sealed datagram was dropped unopened. */
public enum SealDrop {
  /** Shorter than a header and a tag, or not a sealed datagram's first byte. */
  MALFORMED,
  /** No key this node holds has that key id (an outsider, garbage, another network). */
  UNKNOWN_KEY,
  /** Sealed with an epoch key retired after its overlap window (a removed member, an old copy). */
  STALE_EPOCH,
  /**
   * Sent before this node started (a copy captured before a restart) or further from this node's
   * clock than the skew allowed.
   */
  STALE_TIME,
  /**
   * Sealed for another node (its receiver tag names someone else): a datagram captured on its way to
   * one member and replayed to another.
   */
  OTHER_RECEIVER,
  /** The key id matched but the tag does not verify (forged or changed bytes). */
  BAD_TAG,
  /** Opened before: a replay (or a nonce too old for the replay window). */
  REPLAYED
}
