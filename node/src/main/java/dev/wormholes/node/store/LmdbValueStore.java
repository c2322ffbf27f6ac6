package dev.wormholes.node.store;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.wormholes.dht.StoreVisitor;
import dev.wormholes.dht.ValueStore;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.StoredValue;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
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

  private final Env<byte[]> env;
  private final Dbi<byte[]> dbi;
  private final GroupCommitWriter<Write> writer;
  private int batch = BATCH;
  // One parked (reset) read transaction per thread that reads, renewed for each get: saves the
  // begin/abort of a transaction per read. The environment is opened with MDB_NOTLS, so reader
  // slots belong to transactions, not threads.
  private final List<Txn<byte[]>> allReaders = new ArrayList<>();
  private final ThreadLocal<Txn<byte[]>> readers = ThreadLocal.withInitial(this::newReader);
  // Written on the loop, cleared by the writer once committed (conditionally: a newer write stays).
  private final Map<NodeId, Write> overlay = new ConcurrentHashMap<>();
  private final Map<NodeId, Long> touched = new ConcurrentHashMap<>();
  // Event loop only.
  private final List<Write> turn = new ArrayList<>();
  private int size;
  private long touchesFlushedAt = System.nanoTime();
  private long identicalSkipped;

  LmdbValueStore(Env<byte[]> env, Dbi<byte[]> dbi) {
    this.env = env;
    this.dbi = dbi;
    try (Txn<byte[]> txn = env.txnRead()) {
      this.size = (int) Math.min(Integer.MAX_VALUE, dbi.stat(txn).entries);
    }
    this.writer = new GroupCommitWriter<>("wormholes-store-writer", this::commit, this::committed);
  }

  @Override
  public StoredValue get(NodeId key) {
    byte[] raw = raw(key);
    return raw == null ? null : parse(raw);
  }

  // The encoded entry the store holds for key (overlay first), or null.
  private byte[] raw(NodeId key) {
    Write w = overlay.get(key);
    if (w != null) {
      return w.encoded();
    }
    return diskGet(key);
  }

  private byte[] diskGet(NodeId key) {
    Txn<byte[]> txn = readers.get();
    txn.renew();
    try {
      return dbi.get(txn, key.toBytes()); // the byte[] proxy copies: valid after reset
    } finally {
      txn.reset(); // never pin an old snapshot between gets
    }
  }

  @Override
  public void put(NodeId key, StoredValue value, long storedAtWallMillis) {
    byte[] body = value.toByteArray();
    boolean pending = overlay.containsKey(key);
    byte[] held = raw(key);
    if (!pending && held != null && sameBody(held, body)) {
      identicalSkipped++;
      touched.merge(key, storedAtWallMillis, Math::max);
      return;
    }
    if (held == null) {
      size++;
    }
    stage(new Write(Kind.PUT, key, encode(body, storedAtWallMillis), storedAtWallMillis));
  }

  @Override
  public void remove(NodeId key) {
    if (raw(key) == null) {
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

  /** Return the writer (for its counters). */
  GroupCommitWriter<Write> writer() {
    return writer;
  }

  // Writer thread: one synced transaction for every write queued.
  private void commit(List<Write> writes) {
    try (Txn<byte[]> txn = env.txnWrite()) {
      for (Write w : writes) {
        byte[] k = w.key().toBytes();
        switch (w.kind()) {
          case PUT -> dbi.put(txn, k, w.encoded());
          case DELETE -> dbi.delete(txn, k);
          case TOUCH -> {
            byte[] held = dbi.get(txn, k);
            if (held != null && held.length >= 8 && ByteBuffer.wrap(held).getLong() < w.storedAt()) {
              byte[] copy = held.clone();
              ByteBuffer.wrap(copy).putLong(0, w.storedAt());
              dbi.put(txn, k, copy);
            }
          }
        }
      }
      txn.commit();
    }
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

  private Txn<byte[]> newReader() {
    Txn<byte[]> t = env.txnRead();
    t.reset();
    synchronized (allReaders) {
      allReaders.add(t);
    }
    return t;
  }

  private static byte[] encode(byte[] body, long storedAtWallMillis) {
    return ByteBuffer.allocate(8 + body.length).putLong(storedAtWallMillis).put(body).array();
  }

  private static boolean sameBody(byte[] held, byte[] body) {
    return held.length == 8 + body.length && Arrays.equals(held, 8, held.length, body, 0, body.length);
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public void forEach(StoreVisitor visitor) {
    TreeMap<NodeId, Write> pending = new TreeMap<>(overlay);
    byte[] after = null;
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
      after = read.get(read.size() - 1)[0];
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
    StoredValue v = raw == null ? null : parse(raw);
    if (v != null) {
      long at = ByteBuffer.wrap(raw).getLong();
      Long refreshed = touched.get(key);
      visitor.visit(key, v, refreshed == null ? at : Math.max(at, refreshed));
    }
  }

  private List<byte[][]> readBatch(byte[] after) {
    List<byte[][]> out = new ArrayList<>(batch);
    try (Txn<byte[]> txn = env.txnRead();
         CursorIterable<byte[]> it = dbi.iterate(txn, after == null ? KeyRange.all() : KeyRange.greaterThan(after))) {
      for (KeyVal<byte[]> kv : it) {
        if (kv.key().length == NodeId.BYTES) {
          out.add(new byte[][] {kv.key().clone(), kv.val().clone()});
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

  private static StoredValue parse(byte[] raw) {
    if (raw.length < 8) {
      return null;
    }
    try {
      return StoredValue.parseFrom(Arrays.copyOfRange(raw, 8, raw.length));
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }
}
