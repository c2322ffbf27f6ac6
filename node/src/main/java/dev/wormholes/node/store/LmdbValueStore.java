package dev.wormholes.node.store;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.wormholes.dht.StoreVisitor;
import dev.wormholes.dht.ValueStore;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.StoredValue;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.lmdbjava.CursorIterable;
import org.lmdbjava.CursorIterable.KeyVal;
import org.lmdbjava.Dbi;
import org.lmdbjava.Env;
import org.lmdbjava.KeyRange;
import org.lmdbjava.Txn;

/**
 * DHT values in LMDB: key = the 32 id bytes, value = u64be(storedAtWallMillis) || serialized
 * {@link StoredValue}. {@link #put} commits before it returns, so a PUT the engine acknowledges
 * is durable. A record that fails to parse (disk corruption) reads as absent.
 */
public final class LmdbValueStore implements ValueStore {
  /** Entries visited per read transaction in {@link #forEach}, so visitors may write between batches. */
  static final int BATCH = 1024;

  private final Env<byte[]> env;
  private final Dbi<byte[]> dbi;
  private int batch = BATCH;
  // One parked (reset) read transaction per thread that reads, renewed for each get: saves the
  // begin/abort of a transaction per read. The environment is opened with MDB_NOTLS, so reader
  // slots belong to transactions, not threads.
  private final List<Txn<byte[]>> allReaders = new ArrayList<>();
  private final ThreadLocal<Txn<byte[]>> readers = ThreadLocal.withInitial(this::newReader);

  LmdbValueStore(Env<byte[]> env, Dbi<byte[]> dbi) {
    this.env = env;
    this.dbi = dbi;
  }

  @Override
  public StoredValue get(NodeId key) {
    Txn<byte[]> txn = readers.get();
    byte[] raw;
    txn.renew();
    try {
      raw = dbi.get(txn, key.toBytes()); // the byte[] proxy copies: valid after reset
    } finally {
      txn.reset(); // never pin an old snapshot between gets
    }
    return raw == null ? null : parse(raw);
  }

  /** Abort every thread's parked read transaction (before the environment closes). */
  void closeReaders() {
    synchronized (allReaders) {
      allReaders.forEach(Txn::close);
      allReaders.clear();
    }
  }

  @Override
  public void put(NodeId key, StoredValue value, long storedAtWallMillis) {
    try (Txn<byte[]> txn = env.txnWrite()) {
      dbi.put(txn, key.toBytes(), encode(value, storedAtWallMillis));
      txn.commit();
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

  /** Store every entry of {@code values} in one transaction (one fsync), durably before returning. */
  public void putAll(java.util.Map<NodeId, StoredValue> values, long storedAtWallMillis) {
    try (Txn<byte[]> txn = env.txnWrite()) {
      for (java.util.Map.Entry<NodeId, StoredValue> e : values.entrySet()) {
        dbi.put(txn, e.getKey().toBytes(), encode(e.getValue(), storedAtWallMillis));
      }
      txn.commit();
    }
  }

  private static byte[] encode(StoredValue value, long storedAtWallMillis) {
    byte[] body = value.toByteArray();
    return ByteBuffer.allocate(8 + body.length).putLong(storedAtWallMillis).put(body).array();
  }

  @Override
  public void remove(NodeId key) {
    try (Txn<byte[]> txn = env.txnWrite()) {
      dbi.delete(txn, key.toBytes());
      txn.commit();
    }
  }

  @Override
  public int size() {
    try (Txn<byte[]> txn = env.txnRead()) {
      return (int) Math.min(Integer.MAX_VALUE, dbi.stat(txn).entries);
    }
  }

  @Override
  public void forEach(StoreVisitor visitor) {
    byte[] after = null;
    while (true) {
      List<byte[][]> batch = readBatch(after);
      for (byte[][] kv : batch) {
        StoredValue v = parse(kv[1]);
        if (v != null) {
          visitor.visit(NodeId.of(kv[0]), v, ByteBuffer.wrap(kv[1]).getLong());
        }
      }
      if (batch.size() < this.batch) {
        return;
      }
      after = batch.get(batch.size() - 1)[0];
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

  /** Set the forEach batch size (tests cover several batches without thousands of fsyncs). */
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
