package dev.wormholes.dht;

import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.StoredValue;

/**
 * Where a DHT node keeps the values it holds for others (and its own). The engine checks every
 * value before it calls {@link #put}; a store only keeps what it is given. {@link
 * MemoryValueStore} is the in-memory implementation; {@code node/} has an LMDB one.
 */
public interface ValueStore {
  /** Return the held value for key, or null. */
  StoredValue get(NodeId key);

  /**
   * Store {@code value} under {@code key}, replacing any held value; later {@link #get}s see it at
   * once. The engine queues a PUT's acknowledgement right after this returns, so a store whose
   * writes become durable later (the daemon's group commit) must have its driver hold the
   * acknowledgements until they are (the daemon's runtime sends a turn's datagrams only after that
   * turn's writes are committed).
   */
  void put(NodeId key, StoredValue value, long storedAtWallMillis);

  /** Remove the value held under {@code key}, if any. */
  void remove(NodeId key);

  /** Return the number of values held. */
  int size();

  /** Visit every entry (key, value, storedAtWallMillis) in a deterministic order (key order). */
  void forEach(StoreVisitor visitor);
}
