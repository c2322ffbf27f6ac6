package dev.wormholes.node.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.StoredValue;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The LMDB value store over its group-commit writer: a turn's writes are one transaction, an
 * identical re-put commits nothing, an expiry sweep's removals are one transaction, reads see
 * staged writes at once, and what a sealed future acknowledged is there after a reopen.
 */
class LmdbGroupCommitStoreTest {
  @TempDir
  Path tmp;

  private static StoredValue value(int i) {
    return DhtValues.immutable(("value " + i).getBytes());
  }

  private static NodeId key(StoredValue v) {
    return DhtValues.keyOf(v).orElseThrow();
  }

  @Test
  void aTurnIsOneTransactionAndIdenticalRePutsCommitNothing() {
    DataDir dir = DataDir.open(tmp.resolve("data"));
    try (LmdbNodeStore s = LmdbNodeStore.open(dir.db())) {
      LmdbValueStore v = (LmdbValueStore) s.values();
      GroupCommitWriter<LmdbValueStore.Write> w = v.writer();
      for (int i = 0; i < 100; i++) {
        v.put(key(value(i)), value(i), 1_000);
      }
      assertEquals(value(42), v.get(key(value(42))), "a staged write is read at once");
      assertEquals(100, v.size());
      var sealed = s.sealWrites();
      assertNotNull(sealed);
      sealed.join();
      assertEquals(1, w.commits(), "100 puts of one turn: one transaction");

      long before = w.writesCommitted();
      for (int i = 0; i < 100; i++) {
        v.put(key(value(i)), value(i), 5_000); // republished, identical
      }
      assertNull(s.sealWrites(), "identical re-puts of durable values: nothing to wait for");
      assertEquals(before, w.writesCommitted(), "identical re-puts commit nothing");
      assertEquals(100, v.identicalSkipped());
      Map<NodeId, Long> at = new HashMap<>();
      v.forEach((k, val, storedAt) -> at.put(k, storedAt));
      assertEquals(5_000L, at.get(key(value(7))), "the refresh is seen at once");

      // The refreshes ride with the next turn that writes.
      v.put(key(value(1000)), value(1000), 6_000);
      s.sealWrites().join();
      assertEquals(2, w.commits());
    }
    try (LmdbNodeStore s = LmdbNodeStore.open(dir.db())) {
      Map<NodeId, Long> at = new HashMap<>();
      s.values().forEach((k, val, storedAt) -> at.put(k, storedAt));
      assertEquals(101, at.size());
      assertEquals(5_000L, at.get(key(value(7))), "the refresh was made durable with the next batch");
    }
  }

  @Test
  void anExpirySweepIsOneTransactionAndForEachMergesStagedWrites() {
    DataDir dir = DataDir.open(tmp.resolve("data"));
    try (LmdbNodeStore s = LmdbNodeStore.open(dir.db())) {
      LmdbValueStore v = (LmdbValueStore) s.values();
      v.batchSize(7);
      for (int i = 0; i < 60; i++) {
        v.put(key(value(i)), value(i), i);
      }
      s.sealWrites().join();
      long commits = v.writer().commits();

      // A sweep: collect, then remove, in one turn (as the DHT engine's expiry does).
      List<NodeId> dead = new ArrayList<>();
      v.forEach((k, val, storedAt) -> {
        if (storedAt < 30) dead.add(k);
      });
      dead.forEach(v::remove);
      v.put(key(value(500)), value(500), 500); // staged, not yet on disk
      List<NodeId> seen = new ArrayList<>();
      v.forEach((k, val, storedAt) -> seen.add(k));
      List<NodeId> expected = new ArrayList<>();
      for (int i = 30; i < 60; i++) expected.add(key(value(i)));
      expected.add(key(value(500)));
      expected.sort(null);
      assertEquals(expected, seen, "staged removals and puts are seen by forEach, in key order");
      assertEquals(31, v.size());

      s.sealWrites().join();
      assertEquals(commits + 1, v.writer().commits(), "30 removals and a put: one transaction");
    }
    try (LmdbNodeStore s = LmdbNodeStore.open(dir.db())) {
      assertEquals(31, s.values().size());
      assertNull(s.values().get(key(value(3))));
      assertEquals(value(500), s.values().get(key(value(500))));
    }
  }
}
