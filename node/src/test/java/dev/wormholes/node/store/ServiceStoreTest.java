package dev.wormholes.node.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exposure records in both stores: save, replace, remove, survive a reopen; bad records decode to empty. */
class ServiceStoreTest {
  @TempDir Path tmp;

  private static final NodeId BOB = Identity.fromSeed(new byte[32]).id();

  @Test
  void lmdbKeepsServicesAcrossReopen() {
    DataDir dir = DataDir.open(tmp.resolve("data"));
    try (LmdbNodeStore s = LmdbNodeStore.open(dir.db())) {
      exercise(s);
    }
    try (LmdbNodeStore s = LmdbNodeStore.open(dir.db())) {
      SortedMap<String, String> m = s.loadServices();
      assertEquals(List.of("ssh", "web"), List.copyOf(m.keySet()));
      assertEquals(new ServiceRecord("web", "127.0.0.1:8080", List.of(BOB), false), ServiceRecord.decode(m.get("web")).get());
    }
  }

  @Test
  void memoryStoreBehavesTheSame() {
    try (MemoryNodeStore s = new MemoryNodeStore()) {
      exercise(s);
      assertEquals(List.of("ssh", "web"), List.copyOf(s.loadServices().keySet()));
    }
  }

  private static void exercise(NodeStore s) {
    assertTrue(s.loadServices().isEmpty());
    s.saveService("web", new ServiceRecord("web", "127.0.0.1:8000", List.of(), true).encode());
    s.saveService("web", new ServiceRecord("web", "127.0.0.1:8080", List.of(BOB), false).encode());
    s.saveService("ssh", new ServiceRecord("ssh", "127.0.0.1:22", List.of(), true).encode());
    s.saveService("old", new ServiceRecord("old", "127.0.0.1:1", List.of(), true).encode());
    assertTrue(s.removeService("old"));
    assertFalse(s.removeService("old"));
  }

  @Test
  void recordsRoundTripAndGarbageDecodesToEmpty() {
    ServiceRecord r = new ServiceRecord("web", "[::1]:80", List.of(BOB), false);
    assertEquals(Optional.of(r), ServiceRecord.decode(r.encode()));
    for (String bad : List.of("", "{", "[]", "{\"service\":\"web\"}", "{\"service\":\"w\",\"target\":\"t\",\"allow\":[\"x\"]}",
        "{\"service\":1,\"target\":{},\"allow\":{}}")) {
      assertEquals(Optional.empty(), ServiceRecord.decode(bad), bad);
    }
  }
}
