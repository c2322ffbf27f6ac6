package dev.wormholes.node.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.dht.Contact;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.StoredValue;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The LMDB store: values, identity seed, presence seq, routing snapshot, permissions, reopen. */
class LmdbNodeStoreTest {
  @TempDir
  Path tmp;

  @Test
  void valuesRoundTripAndVisitInKeyOrder() {
    DataDir dir = DataDir.open(tmp.resolve("data"));
    try (LmdbNodeStore s = LmdbNodeStore.open(dir.db())) {
      LmdbValueStore v = (LmdbValueStore) s.values();
      v.batchSize(16); // several forEach batches from a few entries (each put is an fsync)
      List<NodeId> keys = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        StoredValue sv = DhtValues.immutable(("v" + i).getBytes());
        NodeId k = DhtValues.keyOf(sv).orElseThrow();
        v.put(k, sv, 1000 + i);
        keys.add(k);
      }
      assertEquals(50, v.size());
      assertEquals(DhtValues.immutable("v7".getBytes()), v.get(keys.get(7)));
      v.remove(keys.get(7));
      assertNull(v.get(keys.get(7)));
      List<NodeId> seen = new ArrayList<>();
      AtomicInteger badTimes = new AtomicInteger();
      v.forEach((k, val, at) -> {
        seen.add(k);
        if (at < 1000 || !DhtValues.keyOf(val).orElseThrow().equals(k)) badTimes.incrementAndGet();
      });
      keys.remove(7);
      keys.sort(null);
      assertEquals(keys, seen, "forEach visits every key once, in key order");
      assertEquals(0, badTimes.get());
    }
  }

  @Test
  void identitySeqAndSnapshotSurviveReopen() throws Exception {
    DataDir dir = DataDir.open(tmp.resolve("data"));
    byte[] seed = new byte[32];
    seed[0] = 42;
    List<Contact> contacts = List.of(
        new Contact(NodeId.of(new byte[32]), new InetSocketAddress("127.0.0.1", 4000)),
        new Contact(NodeId.of(seed), new InetSocketAddress("::1", 4001)));
    try (LmdbNodeStore s = LmdbNodeStore.open(dir.db())) {
      assertArrayEquals(seed, s.identitySeed(() -> seed));
      assertEquals(1, s.nextPresenceSeq());
      assertEquals(2, s.nextPresenceSeq());
      s.saveRoutingSnapshot(contacts);
    }
    try (LmdbNodeStore s = LmdbNodeStore.open(dir.db())) {
      assertArrayEquals(seed, s.identitySeed(() -> new byte[32]), "the seed is kept, not regenerated");
      assertEquals(3, s.nextPresenceSeq(), "seq keeps increasing across restarts");
      assertEquals(contacts, s.loadRoutingSnapshot());
    }
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.root())));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.db())));
    try (var files = Files.list(dir.db())) {
      for (Path f : files.toList()) {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
      }
    }
  }

  @Test
  void atomicWritesAre0600() throws Exception {
    DataDir dir = DataDir.open(tmp.resolve("data"));
    dir.writeAtomically(dir.apiTokenFile(), "secret\n");
    dir.writeAtomically(dir.apiTokenFile(), "secret2\n");
    assertEquals("secret2\n", Files.readString(dir.apiTokenFile()));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.apiTokenFile())));
    try (var files = Files.list(dir.root())) {
      assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temp file left");
    }
  }

  @Test
  void snapshotDecodingSkipsGarbage() {
    assertEquals(List.of(), RoutingSnapshot.decode(new byte[] {(byte) 0xff, 1, 2, 3}));
  }
}
