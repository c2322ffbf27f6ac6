package dev.wormholes.proto;

import dev.wormholes.proto.wire.StoredValue;

/**
 * Checks a value offered to or served by the DHT. The DHT engine is handed one; the standard one
 * is {@link DhtValues#check}. The simulator may wrap it with a cache of verified signatures so that
 * a million nodes do not each re-verify the same record.
 */
@FunctionalInterface
public interface ValueValidator {
  /**
   * Return whether {@code value} may be stored or served under {@code key} at Unix time {@code
   * wallMillis}. Does not compare with a held value: see {@link DhtValues#supersedes}.
   */
  ValueCheck check(NodeId key, StoredValue value, long wallMillis);

  /** Return the standard validator (signatures, bindings, limits, expiry). */
  static ValueValidator standard() {
    return DhtValues::check;
  }

  /**
   * Return the standard validator of a node in network {@code networkId}: it also refuses presence
   * records of other networks ({@link ValueCheck#WRONG_NETWORK}), so a record replayed from the
   * public network into a private one (or between two private ones) is neither stored nor used.
   */
  static ValueValidator forNetwork(long networkId) {
    return (key, value, wallMillis) -> DhtValues.check(key, value, wallMillis, networkId);
  }
}
