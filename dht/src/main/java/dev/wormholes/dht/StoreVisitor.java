package dev.wormholes.dht;

import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.StoredValue;

/** Receives the entries of a {@link ValueStore} from {@link ValueStore#forEach}. */
@FunctionalInterface
public interface StoreVisitor {
  /** Visit one entry: its key, its value and the Unix time in ms it was last stored. */
  void visit(NodeId key, StoredValue value, long storedAtWallMillis);
}
