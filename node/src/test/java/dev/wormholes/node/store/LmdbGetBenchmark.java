package dev.wormholes.node.store;

import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.StoredValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * LMDB random record gets per second ({@link LmdbValueStore#get}: read transaction, copy, protobuf
 * parse) against a {@link HashMap} of the same parsed records, in the same run. Prints both rates
 * and their ratio. Run: see node/README.md.
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
      DataDir dir = DataDir.open(tmp);
      try (LmdbNodeStore lmdb = LmdbNodeStore.open(dir.db())) {
        NodeId[] keys = fill((LmdbValueStore) lmdb.values(), records, seed);
        Map<NodeId, StoredValue> map = new HashMap<>();
        for (NodeId k : keys) {
          map.put(k, lmdb.values().get(k));
        }
        // Warm up both, then measure each twice, alternating.
        measure("warm-up lmdb", keys, lmdb.values()::get, 1);
        measure("warm-up map", keys, map::get, 1);
        double l1 = measure("lmdb", keys, lmdb.values()::get, seconds);
        double m1 = measure("hashmap", keys, map::get, seconds);
        double l2 = measure("lmdb", keys, lmdb.values()::get, seconds);
        double m2 = measure("hashmap", keys, map::get, seconds);
        double l = Math.max(l1, l2);
        double m = Math.max(m1, m2);
        System.out.printf("RESULT lmdb %.0f gets/s, hashmap %.0f gets/s, hashmap/lmdb = %.1fx (lmdb at %.1f%% of the in-memory map)%n",
            l, m, m / l, 100 * l / m);
      }
    } finally {
      try (var s = Files.walk(tmp)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
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

  private static double measure(String name, NodeId[] keys, Function<NodeId, StoredValue> get, double seconds) {
    SplittableRandom r = new SplittableRandom(7);
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    long n = 0;
    long sink = 0;
    long start = System.nanoTime();
    while ((n & 1023) != 0 || System.nanoTime() < deadline) {
      StoredValue v = get.apply(keys[r.nextInt(keys.length)]);
      sink += v.getImmutable().size();
      n++;
    }
    double rate = n / ((System.nanoTime() - start) / 1e9);
    if (!name.startsWith("warm")) {
      System.out.printf("  %-8s %,12.0f gets/s (checksum %d)%n", name, rate, sink);
    }
    return rate;
  }
}
