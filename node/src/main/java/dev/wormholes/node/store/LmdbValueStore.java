package dev.wormholes.node.store;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.wormholes.dht.StoreVisitor;
import dev.wormholes.dht.ValueStore;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.StoredValue;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.lmdbjava.CursorIterable;
import org.lmdbjava.CursorIterable.KeyVal;
import org.lmdbjava.Dbi;
import org.lmdbjava.Env;
import org.lmdbjava.KeyRange;
import org.lmdbjava.Txn;

/**
 * DHT values in LMDB: key = the 32 id bytes, value = u64be(storedAtWallMillis) || serialized
 * {@link StoredValue}. Writes never touch the disk on the caller's thread: {@link #put} and
 * {@link #remove} go into an in-memory overlay (which every read sees at once) and into this turn's
 * batch; {@link #seal} hands the batch to a {@link GroupCommitWriter}, which commits everything
 * queued in one synced transaction, and returns a future that completes when the batch is durable.
 * The daemon sends no datagram a turn produced (a PUT's acknowledgement among them) before that.
 *
 * <p>A put of a value identical to the durable one held writes nothing: its new stored-at time is
 * kept in memory (reads see it) and written with the next batch, or within {@link
 * #TOUCH_FLUSH_NANOS} (so an expiry sweep of removals and refreshes is one transaction). A record
 * that fails to parse (disk corruption) reads as absent.
 *
 * <p>Reads from the disk copy nothing but the record's own bytes: each reading thread keeps a
 * parked read transaction and a direct key buffer, and {@link #get} parses the record straight out
 * of the memory map ({@code StoredValue.parseFrom} on the direct buffer LMDB hands out) before the
 * transaction is reset; a put compares the new body with the held one in place.
 *
 * <p>Threads: {@link #put}, {@link #remove}, {@link #seal}, {@link #size} and {@link #forEach} on
 * the event loop only; {@link #get} from any thread.
 */
public final class LmdbValueStore implements ValueStore {
  /** Entries visited per read transaction in {@link #forEach}, so visitors may write between batches. */
  static final int BATCH = 1024;
  /** Writes queued for the writer above which {@link #seal} waits (a producer faster than the disk). */
  static final int MAX_QUEUED = 16_384;
  /** Longest time a refreshed stored-at time waits in memory for a batch to ride with. */
  static final long TOUCH_FLUSH_NANOS = TimeUnit.SECONDS.toNanos(30);

  /** One write of the store, as the writer applies it. */
  record Write(Kind kind, NodeId key, byte[] encoded, long storedAt) { }

  /** What a {@link Write} does. */
  enum Kind {
    /** Store {@code encoded} under the key. */
    PUT,
    /** Delete the key. */
    DELETE,
    /** Set the stored-at time of the value held under the key, if any, to {@code storedAt} (if later). */
    TOUCH
  }

  private final Env<ByteBuffer> env;
  private final Dbi<ByteBuffer> dbi;
  private final GroupCommitWriter<Write> writer;
  private int batch = BATCH;
  // One parked (reset) read transaction and key buffer per thread that reads, the transaction
  // renewed for each get: saves the begin/abort of a transaction per read. The environment is
  // opened with MDB_NOTLS, so reader slots belong to transactions, not threads.
  private final List<Txn<ByteBuffer>> allReaders = new ArrayList<>();
  private final ThreadLocal<Reader> readers = ThreadLocal.withInitial(this::newReader);
  // Writer thread only: the key and value of the write being applied.
  private final ByteBuffer writeKey = ByteBuffer.allocateDirect(NodeId.BYTES);
  private ByteBuffer writeValue = ByteBuffer.allocateDirect(4096);
  // Written on the loop, cleared by the writer once committed (conditionally: a newer write stays).
  private final Map<NodeId, Write> overlay = new ConcurrentHashMap<>();
  private final Map<NodeId, Long> touched = new ConcurrentHashMap<>();
  // Event loop only.
  private final List<Write> turn = new ArrayList<>();
  private int size;
  private long touchesFlushedAt = System.nanoTime();
  private long identicalSkipped;

  LmdbValueStore(Env<ByteBuffer> env, Dbi<ByteBuffer> dbi) {
    this.env = env;
    this.dbi = dbi;
    try (Txn<ByteBuffer> txn = env.txnRead()) {
      this.size = (int) Math.min(Integer.MAX_VALUE, dbi.stat(txn).entries);
    }
    this.writer = new GroupCommitWriter<>("wormholes-store-writer", this::commit, this::committed);
  }

  /** A thread's parked read transaction and its key buffer. */
  private record Reader(Txn<ByteBuffer> txn, ByteBuffer key) { }

  @Override
  public StoredValue get(NodeId key) {
    Write w = overlay.get(key);
    if (w != null) {
      return w.encoded() == null ? null : parse(ByteBuffer.wrap(w.encoded()));
    }
    return onDisk(key, LmdbValueStore::parse);
  }

  // Whether the store holds a value for key (overlay first).
  private boolean holds(NodeId key) {
    Write w = overlay.get(key);
    return w != null ? w.encoded() != null : onDisk(key, v -> Boolean.TRUE) != null;
  }

  // `read` applied to the committed entry for key, in place (the buffer is valid only during the
  // call), or null if there is none.
  private <R> R onDisk(NodeId key, Function<ByteBuffer, R> read) {
    Reader r = readers.get();
    r.txn().renew();
    try {
      ByteBuffer v = dbi.get(r.txn(), keyInto(r.key(), key));
      return v == null ? null : read.apply(v);
    } finally {
      r.txn().reset(); // never pin an old snapshot between gets
    }
  }

  private static ByteBuffer keyInto(ByteBuffer buf, NodeId key) {
    for (int i = 0; i < 4; i++) {
      buf.putLong(8 * i, key.word(i));
    }
    return buf.clear();
  }

  @Override
  public void put(NodeId key, StoredValue value, long storedAtWallMillis) {
    byte[] body = value.toByteArray();
    Write pending = overlay.get(key);
    boolean held;
    if (pending != null) {
      held = pending.encoded() != null;
    } else {
      Boolean same = onDisk(key, v -> sameBody(v, body));
      if (same == Boolean.TRUE) {
        identicalSkipped++;
        touched.merge(key, storedAtWallMillis, Math::max);
        return;
      }
      held = same != null;
    }
    if (!held) {
      size++;
    }
    stage(new Write(Kind.PUT, key, encode(body, storedAtWallMillis), storedAtWallMillis));
  }

  @Override
  public void remove(NodeId key) {
    if (!holds(key)) {
      return;
    }
    size--;
    stage(new Write(Kind.DELETE, key, null, 0));
  }

  private void stage(Write w) {
    overlay.put(w.key(), w);
    touched.remove(w.key());
    turn.add(w);
  }

  /**
   * Hand this turn's writes (and any refreshed stored-at times) to the writer and return a future
   * that completes when they are durable, or null if the turn wrote nothing (refresh times alone
   * are flushed without a future: the values they refresh are durable already). Waits while the
   * writer is {@link #MAX_QUEUED} writes behind. Loop only.
   */
  public CompletableFuture<Void> seal() {
    long now = System.nanoTime();
    boolean flushTouches = !touched.isEmpty() && (!turn.isEmpty() || now - touchesFlushedAt >= TOUCH_FLUSH_NANOS);
    if (turn.isEmpty() && !flushTouches) {
      return null;
    }
    List<Write> out = new ArrayList<>(turn);
    turn.clear();
    if (flushTouches) {
      touched.forEach((k, at) -> out.add(new Write(Kind.TOUCH, k, null, at)));
      touchesFlushedAt = now;
    } else if (touched.isEmpty()) {
      touchesFlushedAt = now;
    }
    try {
      writer.awaitBelow(MAX_QUEUED);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    CompletableFuture<Void> durable = writer.submit(out);
    return out.stream().allMatch(w -> w.kind() == Kind.TOUCH) ? null : durable;
  }

  /** Return how many puts of a value identical to the one held skipped the commit. Loop only. */
  public long identicalSkipped() {
    return identicalSkipped;
  }

  /** Hand the duration of every committed write transaction, in nanoseconds, to {@code nanos}. */
  public void observeCommits(java.util.function.LongConsumer nanos) {
    writer.observeCommits(nanos);
  }

  /** Return the writer (for its counters). */
  GroupCommitWriter<Write> writer() {
    return writer;
  }

  // Writer thread: one synced transaction for every write queued.
  private void commit(List<Write> writes) {
    try (Txn<ByteBuffer> txn = env.txnWrite()) {
      for (Write w : writes) {
        ByteBuffer k = keyInto(writeKey, w.key());
        switch (w.kind()) {
          case PUT -> dbi.put(txn, k, valueBuffer(w.encoded()));
          case DELETE -> dbi.delete(txn, k);
          case TOUCH -> {
            // The held bytes are the read-only map: copy them before changing the time.
            byte[] held = LmdbNodeStore.copy(dbi.get(txn, k));
            if (held != null && held.length >= 8 && ByteBuffer.wrap(held).getLong() < w.storedAt()) {
              ByteBuffer.wrap(held).putLong(0, w.storedAt());
              dbi.put(txn, k, valueBuffer(held));
            }
          }
        }
      }
      txn.commit();
    }
  }

  // Writer thread: `encoded` in the reused direct value buffer (grown when too small).
  private ByteBuffer valueBuffer(byte[] encoded) {
    if (writeValue.capacity() < encoded.length) {
      writeValue = ByteBuffer.allocateDirect(Math.max(encoded.length, 2 * writeValue.capacity()));
    }
    return writeValue.clear().put(encoded).flip();
  }

  // Writer thread, after the transaction (committed or failed): reads go to the disk again.
  private void committed(List<Write> writes) {
    for (Write w : writes) {
      if (w.kind() == Kind.TOUCH) {
        touched.remove(w.key(), w.storedAt());
      } else {
        overlay.remove(w.key(), w);
      }
    }
  }

  /** Commit what is queued, stop the writer, abort every thread's parked read transaction. */
  void close() {
    writer.close();
    synchronized (allReaders) {
      allReaders.forEach(Txn::close);
      allReaders.clear();
    }
  }

  private Reader newReader() {
    Txn<ByteBuffer> t = env.txnRead();
    t.reset();
    synchronized (allReaders) {
      allReaders.add(t);
    }
    return new Reader(t, ByteBuffer.allocateDirect(NodeId.BYTES));
  }

  private static byte[] encode(byte[] body, long storedAtWallMillis) {
    return ByteBuffer.allocate(8 + body.length).putLong(storedAtWallMillis).put(body).array();
  }

  private static boolean sameBody(ByteBuffer held, byte[] body) {
    return held.remaining() == 8 + body.length
        && held.slice(held.position() + 8, body.length).equals(ByteBuffer.wrap(body));
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public void forEach(StoreVisitor visitor) {
    TreeMap<NodeId, Write> pending = new TreeMap<>(overlay);
    ByteBuffer after = null;
    while (true) {
      List<byte[][]> read = readBatch(after);
      for (byte[][] kv : read) {
        NodeId key = NodeId.of(kv[0]);
        visitPendingBefore(pending, key, visitor);
        Write w = pending.remove(key);
        visit(visitor, key, w == null ? kv[1] : w.encoded());
      }
      if (read.size() < this.batch) {
        visitPendingBefore(pending, null, visitor);
        return;
      }
      after = LmdbNodeStore.direct(read.get(read.size() - 1)[0]);
    }
  }

  // Visit (and drop) the staged entries with keys below `bound` (all if null).
  private void visitPendingBefore(TreeMap<NodeId, Write> pending, NodeId bound, StoreVisitor visitor) {
    Iterator<Map.Entry<NodeId, Write>> it = (bound == null ? pending : pending.headMap(bound)).entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<NodeId, Write> e = it.next();
      visit(visitor, e.getKey(), e.getValue().encoded());
      it.remove();
    }
  }

  private void visit(StoreVisitor visitor, NodeId key, byte[] raw) {
    StoredValue v = raw == null ? null : parse(ByteBuffer.wrap(raw));
    if (v != null) {
      long at = ByteBuffer.wrap(raw).getLong();
      Long refreshed = touched.get(key);
      visitor.visit(key, v, refreshed == null ? at : Math.max(at, refreshed));
    }
  }

  private List<byte[][]> readBatch(ByteBuffer after) {
    List<byte[][]> out = new ArrayList<>(batch);
    try (Txn<ByteBuffer> txn = env.txnRead();
         CursorIterable<ByteBuffer> it = dbi.iterate(txn, after == null ? KeyRange.all() : KeyRange.greaterThan(after))) {
      for (KeyVal<ByteBuffer> kv : it) {
        if (kv.key().remaining() == NodeId.BYTES) {
          out.add(new byte[][] {LmdbNodeStore.copy(kv.key()), LmdbNodeStore.copy(kv.val())});
        }
        if (out.size() == batch) {
          break;
        }
      }
    }
    return out;
  }

  /** Set the forEach batch size (tests cover several batches with a few entries). */
  void batchSize(int n) {
    this.batch = n;
  }

  // The record after the 8-byte stored-at time, parsed where it lies (the bytes fields are copied
  // out, so the result outlives the buffer), or null if it does not parse.
  private static StoredValue parse(ByteBuffer raw) {
    if (raw.remaining() < 8) {
      return null;
    }
    try {
      return StoredValue.parseFrom(raw.slice(raw.position() + 8, raw.remaining() - 8));
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }
}
