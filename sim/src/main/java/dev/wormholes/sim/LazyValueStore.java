package dev.wormholes.sim;

import dev.wormholes.dht.StoreVisitor;
import dev.wormholes.dht.ValueStore;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.StoredValue;
import java.util.Map;
import java.util.TreeMap;

/**
 * An in-memory {@link ValueStore} that allocates nothing until its first value: at a million
 * nodes most stores of a lookup-only run stay empty, and an empty map per node is memory spent on
 * nothing. Key order, as the contract requires.
 */
final class LazyValueStore implements ValueStore {
  /** A held value and when it was stored. */
  private record Entry(StoredValue value, long storedAt) {}

  private TreeMap<NodeId, Entry> entries;

  @Override
  public StoredValue get(NodeId key) {
    Entry e = entries == null ? null : entries.get(key);
    return e == null ? null : e.value();
  }

  @Override
  public void put(NodeId key, StoredValue value, long storedAtWallMillis) {
    if (entries == null) entries = new TreeMap<>();
    entries.put(key, new Entry(value, storedAtWallMillis));
  }

  @Override
  public void remove(NodeId key) {
    if (entries != null) entries.remove(key);
  }

  @Override
  public int size() {
    return entries == null ? 0 : entries.size();
  }

  @Override
  public void forEach(StoreVisitor visitor) {
    if (entries == null) return;
    for (Map.Entry<NodeId, Entry> e : entries.entrySet()) {
      visitor.visit(e.getKey(), e.getValue().value(), e.getValue().storedAt());
    }
  }
}
