package dev.wormholes.node.store;

import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.StoredValue;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.ToIntFunction;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.Txn;

/**
 * Random record gets per second, three ways in the same run over the same records: the store
 * ({@link LmdbValueStore#get}: parked read transaction, value parsed in place into a {@link
 * StoredValue}), raw lmdbjava (a second environment holding the same bytes, direct buffers, a get
 * that only reads the value's length and first byte: the floor of any LMDB read) and a {@link
 * HashMap} of the parsed records. Each is measured twice, alternating; prints the best of each and
 * the store's rate as a share of the other two. Run: see node/README.md.
 */
public final class LmdbGetBenchmark {
  private LmdbGetBenchmark() {}

  /** Args: [records (default 100000)] [seconds per measurement (default 3)]. */
  public static void main(String[] args) throws Exception {
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 3;
    long seed = 42;
    System.out.printf("LmdbGetBenchmark: %d records of 100..1000 bytes, seed %d%n", records, seed);
    Path tmp = Files.createTempDirectory("lmdb-bench");
    try {
      DataDir dir = DataDir.open(tmp.resolve("store"));
      Path rawDir = Files.createDirectory(tmp.resolve("raw"));
      try (LmdbNodeStore lmdb = LmdbNodeStore.open(dir.db());
           Env<ByteBuffer> rawEnv = Env.create().setMapSize(1L << 32).setMaxDbs(1).open(rawDir.toFile())) {
        NodeId[] keys = fill((LmdbValueStore) lmdb.values(), records, seed);
        Map<NodeId, StoredValue> map = new HashMap<>();
        Dbi<ByteBuffer> raw = rawEnv.openDbi("values", DbiFlags.MDB_CREATE);
        try (Txn<ByteBuffer> txn = rawEnv.txnWrite()) {
          for (NodeId k : keys) {
            StoredValue v = lmdb.values().get(k);
            map.put(k, v);
            byte[] body = v.toByteArray();
            raw.put(txn, ByteBuffer.allocateDirect(NodeId.BYTES).put(k.toBytes()).flip(),
                ByteBuffer.allocateDirect(8 + body.length).putLong(0L).put(body).flip());
          }
          txn.commit();
        }
        ToIntFunction<NodeId> store = k -> lmdb.values().get(k).getImmutable().size();
        ToIntFunction<NodeId> hashmap = k -> map.get(k).getImmutable().size();
        ToIntFunction<NodeId> lmdbjava = rawGet(rawEnv, raw);
        double s = 0;
        double r = 0;
        double m = 0;
        for (int round = 0; round < 3; round++) {
          double secs = round == 0 ? 1 : seconds; // the first round warms up
          double s1 = measure("store", keys, store, secs, round == 0);
          double r1 = measure("lmdbjava", keys, lmdbjava, secs, round == 0);
          double m1 = measure("hashmap", keys, hashmap, secs, round == 0);
          if (round > 0) {
            s = Math.max(s, s1);
            r = Math.max(r, r1);
            m = Math.max(m, m1);
          }
        }
        System.out.printf("RESULT store %.0f gets/s, raw lmdbjava %.0f gets/s, hashmap %.0f gets/s;"
                + " store/lmdbjava = %.2f, hashmap/store = %.1fx%n", s, r, m, s / r, m / s);
      }
    } finally {
      try (var st = Files.walk(tmp)) {
        st.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  // A raw get as lean as lmdbjava allows: parked read transaction renewed per get, a reused direct
  // key buffer, the value read in place (its length plus its last byte, so the page is touched).
  private static ToIntFunction<NodeId> rawGet(Env<ByteBuffer> env, Dbi<ByteBuffer> dbi) {
    Txn<ByteBuffer> txn = env.txnRead();
    txn.reset();
    ByteBuffer key = ByteBuffer.allocateDirect(NodeId.BYTES);
    return k -> {
      for (int i = 0; i < 4; i++) {
        key.putLong(8 * i, k.word(i));
      }
      txn.renew();
      try {
        ByteBuffer v = dbi.get(txn, key);
        return v.remaining() + v.get(v.limit() - 1);
      } finally {
        txn.reset();
      }
    };
  }

  private static NodeId[] fill(LmdbValueStore store, int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    NodeId[] keys = new NodeId[n];
    for (int i = 0; i < n; i++) {
      byte[] v = new byte[r.nextInt(100, 1001)];
      for (int j = 0; j < v.length; j++) v[j] = (byte) r.nextInt();
      StoredValue sv = DhtValues.immutable(v);
      keys[i] = DhtValues.keyOf(sv).orElseThrow();
      store.put(keys[i], sv, i);
      if (i % 10_000 == 9_999 || i == n - 1) {
        store.seal().join(); // one group commit per 10,000 values
      }
    }
    return keys;
  }

  private static double measure(String name, NodeId[] keys, ToIntFunction<NodeId> get, double seconds, boolean warmUp) {
    SplittableRandom r = new SplittableRandom(7);
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    long n = 0;
    long sink = 0;
    long start = System.nanoTime();
    while ((n & 1023) != 0 || System.nanoTime() < deadline) {
      sink += get.applyAsInt(keys[r.nextInt(keys.length)]);
      n++;
    }
    double rate = n / ((System.nanoTime() - start) / 1e9);
    if (!warmUp) {
      System.out.printf("  %-8s %,12.0f gets/s (checksum %d)%n", name, rate, sink);
    }
    return rate;
  }
}
