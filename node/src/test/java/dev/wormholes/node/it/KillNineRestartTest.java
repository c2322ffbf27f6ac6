package dev.wormholes.node.it;

import static dev.wormholes.node.it.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code kill -9} of a node, then a restart with the same data dir and no {@code --bootstrap}:
 * it keeps its id, rejoins from its routing snapshot, publishes a newer presence record that the
 * others find, and still holds the values it acknowledged before it was killed.
 */
class KillNineRestartTest {
  static final Duration CONVERGE = Duration.ofSeconds(60);
  /** How soon UdpRuntime saves the routing snapshot after joining (5 s + housekeeping), with a margin. */
  static final Duration SNAPSHOT_DELAY = Duration.ofSeconds(10);

  @RegisterExtension final ClusterExtension it = new ClusterExtension();

  @Test
  void killedNodeComesBackWithItsIdValuesAndPeers() {
    Cluster c = it.cluster();
    NodeProcess a = c.start("a", 7201).awaitReady();
    NodeProcess b = c.start("b", 7202, a);
    NodeProcess d = c.start("c", 7203, a);
    NodeProcess x = c.start("x", 7204, a);
    b.awaitReady();
    d.awaitReady();
    x.awaitReady();
    String xId = c.cli(x, "id", "--json").json().get("id").getAsString();
    String bId = c.cli(b, "id", "--json").json().get("id").getAsString();

    // x has joined: the others find its record, and it knows all three of them.
    long seqBefore = eventually("a looks up x", CONVERGE, () -> c.cli(a, "lookup", xId, "--json"),
        r -> r.exit() == 0).json().get("seq").getAsLong();
    eventually("x knows a, b and c", CONVERGE, () -> c.cli(x, "status", "--json"),
        r -> r.exit() == 0 && r.json().get("peers").getAsInt() >= 3);

    // Values x acknowledges as a holder (a and b put them; with k = 20 every node holds every
    // value), and a mutable item of x's own, just before x is killed.
    long recordsBase = c.cli(x, "status", "--json").json().get("records").getAsLong();
    JsonObject imm = c.cli(a, "put", "kept across kill -9", "--json").json();
    JsonObject mut = c.cli(b, "put", "--mutable", "--salt", "profile", "m1", "--json").json();
    JsonObject own = c.cli(x, "put", "--mutable", "--salt", "own", "x1", "--json").json();
    long recordsBefore = eventually("x holds the two values", CONVERGE, () -> c.cli(x, "status", "--json"),
        r -> r.exit() == 0 && r.json().get("records").getAsLong() >= recordsBase + 2)
        .json().get("records").getAsLong();

    // The daemon saves its routing snapshot within 5 s of a routing-table change (housekeeping
    // runs every 2 s); kill -9 skips the save on shutdown. x has usually run longer than that by
    // now; this only makes sure.
    eventually("x has run past its first snapshot", SNAPSHOT_DELAY.plus(CONVERGE), Duration.ofSeconds(2),
        () -> c.cli(x, "status", "--json"),
        r -> r.exit() == 0 && r.json().get("uptimeSeconds").getAsLong() >= SNAPSHOT_DELAY.toSeconds());
    x.kill9();
    // api.port is left behind by the crash: the CLI still says plainly that no daemon runs.
    c.cli(x, "status").failsWith(3, "no daemon is running for data dir " + x.dataDir());

    // Same data dir, another UDP port, no --bootstrap.
    NodeProcess x2 = c.restart(x, 7205).awaitReady();
    assertEquals(xId, c.cli(x2, "id", "--json").json().get("id").getAsString(), "the id survives kill -9");
    JsonObject status = c.cli(x2, "status", "--json").json();
    assertTrue(status.get("records").getAsLong() >= recordsBefore,
        "records held before kill -9: " + recordsBefore + ", after restart: " + status);

    eventually("x rejoins from its routing snapshot", CONVERGE, () -> c.cli(x2, "status", "--json"),
        r -> r.exit() == 0 && r.json().get("peers").getAsInt() >= 1);
    JsonObject record = eventually("a finds x's new record (port 7205)", CONVERGE,
        () -> c.cli(a, "lookup", xId, "--json"),
        r -> r.exit() == 0 && ThreeProcessLookupTest.endpointAddresses(r.json()).contains(x2.address())).json();
    assertTrue(record.get("seq").getAsLong() > seqBefore, "the new record has a newer seq: " + record);
    eventually("x looks up b", CONVERGE, () -> c.cli(x2, "lookup", bId), r -> r.exit() == 0);

    // The acknowledged values are still there, and x's own mutable item continues from its seq.
    assertEquals("kept across kill -9\n", c.cli(x2, "get", imm.get("key").getAsString()).ok().out());
    assertEquals("m1", c.cli(x2, "get", mut.get("key").getAsString(), "--json").json().get("value").getAsString());
    JsonObject own2 = c.cli(x2, "put", "--mutable", "--salt", "own", "x2", "--json").json();
    assertEquals(own.get("key"), own2.get("key"));
    assertEquals(own.get("seq").getAsLong() + 1, own2.get("seq").getAsLong(), own2.toString());
    assertEquals("x2\n", eventually("b gets x2", CONVERGE, () -> c.cli(b, "get", own.get("key").getAsString()),
        r -> r.exit() == 0 && r.out().equals("x2\n")).out());
  }
}
