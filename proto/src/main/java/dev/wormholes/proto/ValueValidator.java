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
}
