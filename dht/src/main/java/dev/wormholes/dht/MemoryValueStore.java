package dev.wormholes.dht;

import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.StoredValue;
import java.util.Map;
import java.util.TreeMap;

/** A {@link ValueStore} in a {@link TreeMap}: key order, nothing durable. For tests and the simulator. */
public final class MemoryValueStore implements ValueStore {
  private record Entry(StoredValue value, long storedAt) {}

  private final TreeMap<NodeId, Entry> entries = new TreeMap<>();

  @Override
  public StoredValue get(NodeId key) {
    Entry e = entries.get(key);
    return e == null ? null : e.value();
  }

  @Override
  public void put(NodeId key, StoredValue value, long storedAtWallMillis) {
    entries.put(key, new Entry(value, storedAtWallMillis));
  }

  @Override
  public void remove(NodeId key) {
    entries.remove(key);
  }

  @Override
  public int size() {
    return entries.size();
  }

  @Override
  public void forEach(StoreVisitor visitor) {
    for (Map.Entry<NodeId, Entry> e : entries.entrySet()) {
      visitor.visit(e.getKey(), e.getValue().value(), e.getValue().storedAt());
    }
  }
}
