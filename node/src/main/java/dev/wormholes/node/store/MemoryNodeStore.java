package dev.wormholes.node.store;

import dev.wormholes.dht.Contact;
import dev.wormholes.dht.StoreVisitor;
import dev.wormholes.dht.ValueStore;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.StoredValue;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/** A {@link NodeStore} in memory, for tests and benchmarks that run many nodes in one JVM. */
public final class MemoryNodeStore implements NodeStore {
  private byte[] seed;
  private long presenceSeq;
  private List<Contact> snapshot = List.of();
  private final Values values = new Values();
  private final java.util.SortedMap<String, String> services = new java.util.TreeMap<>();
  private final java.util.SortedMap<String, byte[]> people = new java.util.TreeMap<>();
  private final java.util.SortedMap<String, byte[]> whispers = new java.util.TreeMap<>();

  @Override
  public synchronized byte[] identitySeed(Supplier<byte[]> generate) {
    if (seed == null) {
      seed = generate.get().clone();
    }
    return seed.clone();
  }

  @Override
  public synchronized long nextPresenceSeq() {
    return ++presenceSeq;
  }

  @Override
  public synchronized List<Contact> loadRoutingSnapshot() {
    return snapshot;
  }

  @Override
  public synchronized void saveRoutingSnapshot(List<Contact> contacts) {
    snapshot = List.copyOf(contacts);
  }

  @Override
  public ValueStore values() {
    return values;
  }

  @Override
  public synchronized java.util.SortedMap<String, String> loadServices() {
    return new java.util.TreeMap<>(services);
  }

  @Override
  public synchronized void saveService(String name, String record) {
    services.put(name, record);
  }

  @Override
  public synchronized boolean removeService(String name) {
    return services.remove(name) != null;
  }

  @Override
  public synchronized java.util.SortedMap<String, byte[]> loadPeople() {
    java.util.SortedMap<String, byte[]> out = new java.util.TreeMap<>();
    people.forEach((k, v) -> out.put(k, v.clone()));
    return out;
  }

  @Override
  public synchronized void savePeople(String key, byte[] value) {
    people.put(key, value.clone());
  }

  @Override
  public synchronized boolean removePeople(String key) {
    return people.remove(key) != null;
  }

  @Override
  public synchronized java.util.SortedMap<String, byte[]> loadWhispers() {
    java.util.SortedMap<String, byte[]> out = new java.util.TreeMap<>();
    whispers.forEach((k, v) -> out.put(k, v.clone()));
    return out;
  }

  @Override
  public synchronized void saveWhisper(String key, byte[] value) {
    whispers.put(key, value.clone());
  }

  @Override
  public synchronized boolean removeWhisper(String key) {
    return whispers.remove(key) != null;
  }

  @Override
  public void close() {
    // Nothing to release.
  }

  /** Values in a TreeMap, so that forEach runs in key order as the contract asks. */
  private static final class Values implements ValueStore {
    private record Entry(StoredValue value, long storedAt) {}

    private final Map<NodeId, Entry> map = new TreeMap<>();

    @Override
    public synchronized StoredValue get(NodeId key) {
      Entry e = map.get(key);
      return e == null ? null : e.value();
    }

    @Override
    public synchronized void put(NodeId key, StoredValue value, long storedAtWallMillis) {
      map.put(key, new Entry(value, storedAtWallMillis));
    }

    @Override
    public synchronized void remove(NodeId key) {
      map.remove(key);
    }

    @Override
    public synchronized int size() {
      return map.size();
    }

    @Override
    public synchronized void forEach(StoreVisitor visitor) {
      for (Map.Entry<NodeId, Entry> e : List.copyOf(map.entrySet())) {
        visitor.visit(e.getKey(), e.getValue().value(), e.getValue().storedAt());
      }
    }
  }
}
