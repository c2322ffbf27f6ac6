package dev.wormholes.node.store;

import dev.wormholes.dht.Contact;
import dev.wormholes.dht.ValueStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.Txn;

/**
 * The durable {@link NodeStore}: one LMDB environment in {@code DATA/db/} with three databases,
 * {@code meta} (identity seed, presence seq, routing snapshot), {@code values} (DHT values, see
 * {@link LmdbValueStore}) and {@code services} (exposed services: UTF-8 name to UTF-8 record) and {@code people} (persona and
 * contacts: UTF-8 key to bytes, see node/people) and {@code whispers} (inbox and outbox, UTF-8 key
 * to bytes, see node/whisper).
 *
 * <p>The map size (virtual, {@link #MAP_SIZE}) and reader count are set
 * explicitly, and the default sync mode is kept (no {@code MDB_NOSYNC}): a committed write survives
 * {@code kill -9}. {@code MDB_NOTLS} lets {@link LmdbValueStore} park one read transaction per thread. DHT values are written
 * by the value store's writer thread in group commits; the other databases commit on the caller's thread. Files are created with mode 0600 in a 0700 directory.
 */
public final class LmdbNodeStore implements NodeStore {
  /** Virtual map size: address space only, the file grows with use. */
  public static final long MAP_SIZE = 16L << 30;
  /** Concurrent read transactions allowed. */
  public static final int MAX_READERS = 512;
  private static final int FILE_MODE = 0600;

  private static final String SEED_KEY = "identity.seed";
  private static final String SEQ_KEY = "presence.seq";
  private static final String SNAPSHOT_KEY = "routing.snapshot";

  private final Env<ByteBuffer> env;
  private final Dbi<ByteBuffer> meta;
  private final LmdbValueStore values;
  private final Dbi<ByteBuffer> services;
  private final Dbi<ByteBuffer> people;
  private final Dbi<ByteBuffer> whispers;

  private LmdbNodeStore(Env<ByteBuffer> env) {
    this.env = env;
    this.meta = env.openDbi("meta", DbiFlags.MDB_CREATE);
    this.values = new LmdbValueStore(env, env.openDbi("values", DbiFlags.MDB_CREATE));
    this.services = env.openDbi("services", DbiFlags.MDB_CREATE);
    this.people = env.openDbi("people", DbiFlags.MDB_CREATE);
    this.whispers = env.openDbi("whispers", DbiFlags.MDB_CREATE);
  }

  /** Open (creating if needed) the store in {@code dbDir}, which must exist with mode 0700. */
  public static LmdbNodeStore open(Path dbDir) {
    Env<ByteBuffer> env = Env.create()
        .setMapSize(MAP_SIZE)
        .setMaxDbs(8)
        .setMaxReaders(MAX_READERS)
        .open(dbDir.toFile(), FILE_MODE, EnvFlags.MDB_NOTLS);
    return new LmdbNodeStore(env);
  }

  // A direct buffer holding b (lmdbjava takes keys and values in direct buffers).
  static ByteBuffer direct(byte[] b) {
    return ByteBuffer.allocateDirect(b.length).put(b).flip();
  }

  private static ByteBuffer key(String name) {
    return direct(name.getBytes(StandardCharsets.UTF_8));
  }

  // A heap copy of a buffer LMDB handed out (valid only inside its transaction), or null.
  static byte[] copy(ByteBuffer b) {
    if (b == null) {
      return null;
    }
    byte[] out = new byte[b.remaining()];
    b.get(b.position(), out);
    return out;
  }

  @Override
  public synchronized byte[] identitySeed(Supplier<byte[]> generate) {
    try (Txn<ByteBuffer> txn = env.txnWrite()) {
      byte[] seed = copy(meta.get(txn, key(SEED_KEY)));
      if (seed != null) {
        return seed;
      }
      seed = generate.get().clone();
      meta.put(txn, key(SEED_KEY), direct(seed));
      txn.commit();
      return seed;
    }
  }

  @Override
  public synchronized long nextPresenceSeq() {
    try (Txn<ByteBuffer> txn = env.txnWrite()) {
      ByteBuffer held = meta.get(txn, key(SEQ_KEY));
      long next = (held == null ? 0 : held.getLong(held.position())) + 1;
      meta.put(txn, key(SEQ_KEY), ByteBuffer.allocateDirect(8).putLong(0, next));
      txn.commit();
      return next;
    }
  }

  @Override
  public synchronized List<Contact> loadRoutingSnapshot() {
    try (Txn<ByteBuffer> txn = env.txnRead()) {
      byte[] b = copy(meta.get(txn, key(SNAPSHOT_KEY)));
      return b == null ? List.of() : RoutingSnapshot.decode(b);
    }
  }

  @Override
  public synchronized void saveRoutingSnapshot(List<Contact> contacts) {
    try (Txn<ByteBuffer> txn = env.txnWrite()) {
      meta.put(txn, key(SNAPSHOT_KEY), direct(RoutingSnapshot.encode(contacts)));
      txn.commit();
    }
  }

  @Override
  public synchronized java.util.SortedMap<String, String> loadServices() {
    java.util.SortedMap<String, String> out = new java.util.TreeMap<>();
    loadAll(services).forEach((k, v) -> out.put(k, new String(v, StandardCharsets.UTF_8)));
    return out;
  }

  @Override
  public synchronized void saveService(String name, String record) {
    put(services, name, record.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public synchronized boolean removeService(String name) {
    return delete(services, name);
  }

  @Override
  public synchronized java.util.SortedMap<String, byte[]> loadPeople() {
    return loadAll(people);
  }

  @Override
  public synchronized void savePeople(String key, byte[] value) {
    put(people, key, value);
  }

  @Override
  public synchronized boolean removePeople(String key) {
    return delete(people, key);
  }

  @Override
  public synchronized java.util.SortedMap<String, byte[]> loadWhispers() {
    return loadAll(whispers);
  }

  @Override
  public synchronized void saveWhisper(String key, byte[] value) {
    put(whispers, key, value);
  }

  @Override
  public synchronized boolean removeWhisper(String key) {
    return delete(whispers, key);
  }

  // Every entry of a database keyed by UTF-8 names, values copied out of the read transaction.
  private java.util.SortedMap<String, byte[]> loadAll(Dbi<ByteBuffer> db) {
    java.util.SortedMap<String, byte[]> out = new java.util.TreeMap<>();
    try (Txn<ByteBuffer> txn = env.txnRead(); org.lmdbjava.CursorIterable<ByteBuffer> it = db.iterate(txn)) {
      for (org.lmdbjava.CursorIterable.KeyVal<ByteBuffer> kv : it) {
        out.put(new String(copy(kv.key()), StandardCharsets.UTF_8), copy(kv.val()));
      }
    }
    return out;
  }

  // One synced write transaction: the caller's acknowledgement follows a durable write.
  private void put(Dbi<ByteBuffer> db, String key, byte[] value) {
    try (Txn<ByteBuffer> txn = env.txnWrite()) {
      db.put(txn, key(key), direct(value));
      txn.commit();
    }
  }

  private boolean delete(Dbi<ByteBuffer> db, String key) {
    try (Txn<ByteBuffer> txn = env.txnWrite()) {
      boolean had = db.delete(txn, key(key));
      txn.commit();
      return had;
    }
  }

  @Override
  public ValueStore values() {
    return values;
  }

  @Override
  public void observeCommits(java.util.function.LongConsumer nanos) {
    values.observeCommits(nanos);
  }

  @Override
  public int queuedWrites() {
    return values.writer().queuedWrites();
  }

  @Override
  public java.util.concurrent.CompletableFuture<Void> sealWrites() {
    return values.seal();
  }

  @Override
  public synchronized void close() {
    if (!env.isClosed()) {
      values.close();
      env.close();
    }
  }
}
