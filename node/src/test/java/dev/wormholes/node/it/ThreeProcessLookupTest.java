package dev.wormholes.node.it;

import static dev.wormholes.node.it.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three {@code wormholed} processes, joined with {@code --bootstrap}, find each other's presence
 * records with {@code wormholes lookup} and store and fetch immutable and mutable values across
 * nodes: the README walkthrough, as a test.
 */
class ThreeProcessLookupTest {
  static final Duration CONVERGE = Duration.ofSeconds(60);

  @RegisterExtension final ClusterExtension it = new ClusterExtension();

  @Test
  void threeNodesFindEachOtherAndShareValues() {
    Cluster c = it.cluster();
    NodeProcess a = c.start("a", 7101).awaitReady();
    NodeProcess b = c.start("b", 7102, a);
    NodeProcess d = c.start("c", 7103, a, b);
    b.awaitReady();
    d.awaitReady();
    List<NodeProcess> nodes = List.of(a, b, d);

    Map<NodeProcess, JsonObject> ids = new LinkedHashMap<>();
    for (NodeProcess n : nodes) {
      ids.put(n, checkedId(c, n));
    }
    assertEquals(3, new HashSet<>(ids.values()).size(), "three distinct identities: " + ids);
    assertEquals(ids.get(a).get("id").getAsString() + "\n", c.cli(a, "id").ok().out(), "id prints the id alone");

    // Every node finds every other node's verified presence record, with the address it listens on.
    for (NodeProcess from : nodes) {
      for (NodeProcess to : nodes) {
        if (from != to) {
          String id = ids.get(to).get("id").getAsString();
          CliResult r = eventually(from.name() + " looks up " + to.name(), CONVERGE,
              () -> c.cli(from, "lookup", id, "--json"), x -> x.exit() == 0);
          JsonObject record = r.json();
          assertEquals(id, record.get("id").getAsString());
          assertEquals(ids.get(to).get("publicKey").getAsString(), record.get("publicKey").getAsString());
          assertTrue(endpointAddresses(record).contains(to.address()), () -> "endpoints of " + to + ": " + record);
          assertTrue(record.get("seq").getAsLong() >= 1, record.toString());
        }
      }
    }
    String human = c.cli(a, "lookup", ids.get(b).get("id").getAsString()).ok().out();
    assertTrue(human.contains(b.address()) && human.contains("seq") && human.contains("expires"), human);

    JsonObject status = c.cli(a, "status", "--json").json();
    assertEquals(ids.get(a).get("id"), status.get("id"));
    assertEquals(a.address(), status.get("listen").getAsString());
    assertTrue(status.get("peers").getAsInt() >= 2, status.toString());
    Set<String> peerIds = new HashSet<>();
    for (JsonElement p : c.cli(a, "peers", "--json").json().getAsJsonArray("peers")) {
      peerIds.add(p.getAsJsonObject().get("id").getAsString());
    }
    assertTrue(peerIds.contains(ids.get(b).get("id").getAsString()) && peerIds.contains(ids.get(d).get("id").getAsString()),
        "a's peers: " + peerIds);

    immutableValuesTravel(c, a, d, b);
    mutableValuesTravel(c, b, a, d, ids.get(b).get("publicKey").getAsString());
  }

  /** Return {@code wormholes id --json} of {@code n}, checked: id = SHA-256(public key). */
  private static JsonObject checkedId(Cluster c, NodeProcess n) {
    JsonObject id = c.cli(n, "id", "--json").json();
    byte[] publicKey = java.util.HexFormat.of().parseHex(id.get("publicKey").getAsString());
    assertEquals(Identity.idOf(publicKey).toString(), id.get("id").getAsString(), "id of " + n);
    return id;
  }

  private static void immutableValuesTravel(Cluster c, NodeProcess writer, NodeProcess reader, NodeProcess other) {
    String value = "hello from " + writer.name();
    JsonObject put = c.cli(writer, "put", value, "--json").json();
    NodeId expected = DhtValues.keyOf(DhtValues.immutable(value.getBytes(StandardCharsets.UTF_8))).orElseThrow();
    assertEquals(expected.toString(), put.get("key").getAsString(), "immutable key = SHA-256 of the value");
    assertEquals("immutable", put.get("kind").getAsString());
    assertTrue(put.get("acks").getAsInt() >= 1, put.toString());

    JsonObject got = eventually(reader.name() + " gets " + writer.name() + "'s value", CONVERGE,
        () -> c.cli(reader, "get", expected.toString(), "--json"), x -> x.exit() == 0).json();
    assertEquals(value, got.get("value").getAsString());
    assertEquals("immutable", got.get("kind").getAsString());

    // The human forms: put prints the key alone, get prints the value.
    String key = c.cli(writer, "put", "second value").ok().out().strip();
    assertEquals(DhtValues.keyOf(DhtValues.immutable("second value".getBytes(StandardCharsets.UTF_8))).orElseThrow().toString(), key);
    assertEquals("second value\n", eventually(other.name() + " gets the second value", CONVERGE,
        () -> c.cli(other, "get", key), x -> x.exit() == 0).out());
  }

  private static void mutableValuesTravel(Cluster c, NodeProcess owner, NodeProcess r1, NodeProcess r2, String ownerKeyHex) {
    JsonObject v1 = c.cli(owner, "put", "--mutable", "--salt", "chat", "v1", "--json").json();
    NodeId key = DhtValues.mutableKey(java.util.HexFormat.of().parseHex(ownerKeyHex), "chat".getBytes(StandardCharsets.UTF_8));
    assertEquals(key.toString(), v1.get("key").getAsString(), "mutable key = SHA-256(public key || salt)");
    assertEquals("mutable", v1.get("kind").getAsString());
    long seq1 = v1.get("seq").getAsLong();
    assertTrue(seq1 >= 1 && v1.get("acks").getAsInt() >= 1, v1.toString());

    JsonObject got1 = eventually(r1.name() + " gets v1", CONVERGE,
        () -> c.cli(r1, "get", key.toString(), "--json"), x -> x.exit() == 0).json();
    assertEquals("v1", got1.get("value").getAsString());
    assertEquals("mutable", got1.get("kind").getAsString());
    assertEquals(ownerKeyHex, got1.get("publicKey").getAsString());
    assertEquals(seq1, got1.get("seq").getAsLong());

    JsonObject v2 = c.cli(owner, "put", "--mutable", "--salt", "chat", "v2", "--json").json();
    assertEquals(key.toString(), v2.get("key").getAsString());
    assertEquals(seq1 + 1, v2.get("seq").getAsLong(), "the next put takes the held seq + 1");
    JsonObject got2 = eventually(r2.name() + " gets v2, the newer seq", CONVERGE,
        () -> c.cli(r2, "get", key.toString(), "--json"),
        x -> x.exit() == 0 && x.out().contains("\"v2\"")).json();
    assertEquals(seq1 + 1, got2.get("seq").getAsLong());
  }

  static Set<String> endpointAddresses(JsonObject record) {
    Set<String> out = new HashSet<>();
    for (JsonElement e : record.getAsJsonArray("endpoints")) {
      out.add(e.getAsJsonObject().get("address").getAsString());
    }
    return out;
  }
}
