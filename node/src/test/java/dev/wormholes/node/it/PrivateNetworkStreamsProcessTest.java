package dev.wormholes.node.it;

import static dev.wormholes.node.it.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Streams inside a private network with real private-only daemons ({@code --no-public}) in a
 * loopback-only namespace: alice exposes a web server to network "friends" only; bob, a member,
 * reaches it with {@code wormholes connect --network} and gets the file byte for byte (SHA-256)
 * and pings alice inside the network; eve, a public node, cannot reach alice from outside the
 * network; once a member, she pings alice inside it; removed (a new epoch), she is told so (the
 * signed roster, shown by {@code networks}) and gets no stream, while bob keeps streaming without
 * a restart.
 */
class PrivateNetworkStreamsProcessTest {
  private static final int FILE_BYTES = 2 << 20;
  private static final int HTTP_PORT = 8767;

  @RegisterExtension final ClusterExtension it = new ClusterExtension();

  @Test
  void membersStreamInsideTheNetworkOutsidersAndRemovedMembersAreRefused() throws Exception {
    Cluster c = it.cluster();
    Path www = c.webServer(HTTP_PORT);
    byte[] file = new byte[FILE_BYTES];
    new Random(5).nextBytes(file);
    Files.write(www.resolve("f.bin"), file);
    NodeProcess alice = c.startWith("alice", 7341, "--no-mainline", "--no-public").awaitReady();
    NodeProcess bob = c.startWith("bob", 7342, "--no-mainline", "--no-public");
    NodeProcess eve = c.startWith("eve", 7344, "--no-mainline");
    bob.awaitReady();
    eve.awaitReady();
    String aliceId = c.cli(alice, "id").ok().out().trim();
    String eveId = c.cli(eve, "id").ok().out().trim();
    c.cli(alice, "network", "create", "friends").ok();
    c.cli(bob, "network", "join", c.cli(alice, "network", "invite", "friends").ok().out().trim()).ok();
    assertTrue(c.cli(alice, "expose", "web", "127.0.0.1:" + HTTP_PORT, "--network", "friends").ok().out()
        .contains("members of network friends"));

    eventually("bob pings alice inside friends", Duration.ofSeconds(40),
        () -> c.cli(bob, "ping", "--network", "friends", aliceId, "--count", "2"), r -> r.exit() == 0);
    Path resp = www.resolve("resp.bin");
    String get = c.httpGet(bob, "/f.bin", "--network friends " + aliceId + " web") + " > " + resp;
    Exec.Result conn = Exec.run(c.inNamespace("bash", "-c", get), c.env(), Cluster.CLI_TIMEOUT_SECONDS);
    assertEquals(0, conn.exit(), conn.err());
    assertArrayEquals(StreamsProcessTest.sha256(file),
        StreamsProcessTest.sha256(StreamsProcessTest.body(Files.readAllBytes(resp))));
    com.google.gson.JsonObject priv = c.cli(alice, "status", "--json").ok().json().getAsJsonObject("private");
    assertTrue(priv.get("quic_in").getAsLong() > 0, priv.toString());

    // Eve, outside the network: nothing of alice's answers her, by id or inside the network.
    c.cli(eve, "connect", aliceId, "web").failsWith(1, "cannot reach node " + aliceId);
    c.cli(eve, "connect", "--network", "friends", aliceId, "web").failsWith(1, "no network called friends");
    c.cli(eve, "ping", "--network", "friends", aliceId).failsWith(1, "");

    // Eve joins, reaches alice inside the network, is removed: a new epoch shuts her out again.
    c.cli(eve, "network", "join", c.cli(alice, "network", "invite", "friends").ok().out().trim()).ok();
    eventually("eve pings alice inside friends", Duration.ofSeconds(40),
        () -> c.cli(eve, "ping", "--network", "friends", aliceId, "--count", "1"), r -> r.exit() == 0);
    assertTrue(c.cli(alice, "network", "remove", "friends", eveId).ok().out().contains("epoch 2"));
    eventually("bob takes the new epoch", Duration.ofSeconds(20), () -> c.cli(bob, "networks", "--json"),
        r -> r.exit() == 0 && r.json().getAsJsonArray("networks").get(0).getAsJsonObject().get("epoch").getAsLong() == 2);
    // Eve is sent the new roster under the old key: the signed notice of her removal, which she
    // shows; what she seals with the old key reaches nothing of alice's (no stream, no wh-ping).
    eventually("eve is told she was removed", Duration.ofSeconds(20), () -> c.cli(eve, "networks", "--json"),
        r -> r.exit() == 0 && r.json().getAsJsonArray("networks").size() == 1
            && r.json().getAsJsonArray("networks").get(0).getAsJsonObject().has("removed")
            && r.json().getAsJsonArray("networks").get(0).getAsJsonObject().get("removed_by").getAsString()
                .equalsIgnoreCase(aliceId));
    c.cli(eve, "connect", "--network", "friends", aliceId, "web").failsWith(1, "removed from network friends");
    c.cli(eve, "connect", aliceId, "web").failsWith(1, "cannot reach node " + aliceId);
    Files.deleteIfExists(resp);
    conn = Exec.run(c.inNamespace("bash", "-c", get), c.env(), Cluster.CLI_TIMEOUT_SECONDS);
    assertEquals(0, conn.exit(), conn.err());
    assertArrayEquals(StreamsProcessTest.sha256(file),
        StreamsProcessTest.sha256(StreamsProcessTest.body(Files.readAllBytes(resp))));
  }
}
