package dev.wormholes.dht;

/**
 * The engine's periodic timers. Deadlines live in a {@code long[]} indexed by ordinal rather than
 * an {@code EnumMap<Timer, Long>}: no boxed longs, since the simulator runs a million engines.
 * Request timeouts are not here: they are the deadlines of the outstanding requests themselves.
 */
enum Timer {
  /** Look up a random id in every bucket that saw no lookup for {@link DhtConfig#bucketRefreshMs()}. */
  BUCKET_REFRESH,
  /** Re-put this node's published values to the current k closest ({@link DhtConfig#republishMs()}). */
  REPUBLISH,
  /** Re-put held values that nobody stored for {@link DhtConfig#replicateMs()} to the current k closest. */
  REPLICATE,
  /** Drop held values past their time-to-live or their own expiry ({@link DhtConfig#expireCheckMs()}). */
  EXPIRE,
  /** Rotate the store-token secret, keeping the previous one valid ({@link DhtConfig#TOKEN_ROTATE_MS}). */
  TOKEN_ROTATE
}
