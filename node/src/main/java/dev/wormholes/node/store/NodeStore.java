package dev.wormholes.node.store;

import dev.wormholes.dht.Contact;
import dev.wormholes.dht.ValueStore;
import java.util.List;
import java.util.function.Supplier;

/**
 * The persistent state of one node. Methods are called from the node's event loop (and, before it
 * starts or after it stops, from the thread that owns the node); implementations need not be
 * thread-safe beyond that.
 */
public interface NodeStore extends AutoCloseable {
  /** Return the stored 32-byte identity seed; on first use, store {@code generate.get()} durably first. */
  byte[] identitySeed(Supplier<byte[]> generate);

  /** Return a presence seq strictly greater than every seq returned before, durably, even across restarts. */
  long nextPresenceSeq();

  /** Return the last saved routing-table snapshot, empty if none (entries that fail to decode are skipped). */
  List<Contact> loadRoutingSnapshot();

  /** Replace the routing-table snapshot with {@code contacts}. */
  void saveRoutingSnapshot(List<Contact> contacts);

  /** Return the exposed services, name to the record {@code saveService} was given, in name order. */
  java.util.SortedMap<String, String> loadServices();

  /** Store (durably, replacing any earlier one) the exposure record of service {@code name}. */
  void saveService(String name, String record);

  /** Delete the exposure record of service {@code name}; return whether there was one. */
  boolean removeService(String name);

  /** Return the people records (persona, contacts; see node/people), key to bytes, in key order. */
  java.util.SortedMap<String, byte[]> loadPeople();

  /** Store (durably, replacing any earlier one) the people record {@code key}. */
  void savePeople(String key, byte[] value);

  /** Delete the people record {@code key}; return whether there was one. */
  boolean removePeople(String key);

  /** Return the whisper records (inbox, outbox, counters; see node/whisper), key to bytes, in key order. */
  java.util.SortedMap<String, byte[]> loadWhispers();

  /** Store (durably, replacing any earlier one) the whisper record {@code key}. */
  void saveWhisper(String key, byte[] value);

  /** Delete the whisper record {@code key}; return whether there was one. */
  boolean removeWhisper(String key);

  /** Return the DHT value store handed to the engine. */
  ValueStore values();

  /**
   * Hand the value writes of this turn of the event loop to the store's writer; return a future
   * that completes once they are durable (exceptionally if they could not be made so), or null
   * if the turn wrote nothing that needs waiting for. The runtime sends the datagrams of a turn
   * only after this future completes. This default suits a store whose writes are done (or never
   * durable) when {@code put} returns.
   */
  default java.util.concurrent.CompletableFuture<Void> sealWrites() {
    return null;
  }

  /**
   * Hand the duration of every durable commit of value writes, in nanoseconds, to {@code nanos}
   * (on the store's writer thread). This default suits a store without commits: it never calls.
   */
  default void observeCommits(java.util.function.LongConsumer nanos) {
  }

  /** Return the value writes queued for the next durable commit (0 for a store without commits). */
  default int queuedWrites() {
    return 0;
  }

  /** Release the store; later calls fail. */
  @Override
  void close();
}
