package dev.wormholes.node.it;

import static dev.wormholes.node.it.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.io.BaseEncoding;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.PacketCodec;
import dev.wormholes.proto.wire.Ping;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README's "run a private network for your friends" walkthrough with real private-only
 * daemons ({@code --no-public --no-mainline}) in a loopback-only namespace: alice creates a
 * network and invites bob and carol by one-time links; they find each other's presence records
 * in it; an outsider that sniffs the loopback and sends a public-network ping, replays of the
 * sealed datagrams it captured and garbage gets zero bytes back, and bob counts all of it in
 * {@code status}; a second join with a used link is refused and counted; after alice removes
 * carol (a new epoch), bob still finds alice, carol is told who removed her and finds nobody, all
 * without a restart.
 */
class PrivateNetworkProcessTest {
  @RegisterExtension final ClusterExtension it = new ClusterExtension();

  @Test
  void membersFindEachOtherOutsidersGetNothingAndRemovedMembersAreShutOut() throws Exception {
    Cluster c = it.cluster();
    NodeProcess alice = c.startWith("alice", 7321, "--no-mainline", "--no-public").awaitReady();
    NodeProcess bob = c.startWith("bob", 7322, "--no-mainline", "--no-public");
    NodeProcess carol = c.startWith("carol", 7323, "--no-mainline", "--no-public");
    bob.awaitReady();
    carol.awaitReady();
    String bobId = c.cli(bob, "id").ok().out().trim();
    String carolId = c.cli(carol, "id").ok().out().trim();
    String aliceId = c.cli(alice, "id").ok().out().trim();

    assertTrue(c.cli(alice, "network", "create", "friends").ok().out().startsWith("network friends "));
    String forBob = c.cli(alice, "network", "invite", "friends").ok().out().trim();
    assertTrue(forBob.startsWith("wormholes-net:"), forBob);
    c.cli(bob, "network", "join", forBob).ok();
    c.cli(carol, "network", "join", forBob).failsWith(1, "refused the join: replayed"); // used by bob
    c.cli(carol, "network", "join", c.cli(alice, "network", "invite", "friends").ok().out().trim()).ok();

    eventually("bob finds carol in friends", Duration.ofSeconds(40),
        () -> c.cli(bob, "lookup", "--network", "friends", carolId), r -> r.exit() == 0);
    eventually("carol finds bob in friends", Duration.ofSeconds(40),
        () -> c.cli(carol, "lookup", "--network", "friends", bobId), r -> r.exit() == 0);
    JsonObject nets = c.cli(bob, "networks", "--json").ok().json();
    assertEquals(3, nets.getAsJsonArray("networks").get(0).getAsJsonObject().getAsJsonArray("members").size(),
        nets.toString());

    // An outsider sniffs bob's sealed traffic, then sends a public ping, replays and garbage.
    byte[] ping = PacketCodec.encode(PacketCodec.request(0, 1, Identity.fromSeed(new byte[32]).id())
        .setPing(Ping.getDefaultInstance()).build());
    Path script = Files.createTempFile("wh-outsider", ".py");
    try (InputStream in = getClass().getResourceAsStream("/it/outsider.py")) {
      Files.write(script, in.readAllBytes());
    }
    Process outsider = new ProcessBuilder(c.inNamespace("python3", script.toString(), "7322",
        BaseEncoding.base16().lowerCase().encode(ping), "4")).redirectErrorStream(true).start();
    Thread.sleep(500); // let it start sniffing, then make traffic to bob
    c.cli(bob, "lookup", "--network", "friends", carolId).ok();
    c.cli(bob, "lookup", "--network", "friends", carolId).ok();
    assertTrue(outsider.waitFor(30, TimeUnit.SECONDS), "outsider did not finish");
    String report = new String(outsider.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    Files.deleteIfExists(script);
    JsonObject o = JsonParser.parseString(report.substring(report.lastIndexOf('\n') + 1)).getAsJsonObject();
    int captured = o.get("captured").getAsInt();
    assertTrue(captured > 0, "no sealed datagram captured: " + report);
    assertEquals(0, o.get("bytes_back").getAsInt(), report);
    JsonObject status = c.cli(bob, "status", "--json").ok().json();
    JsonObject dropped = status.getAsJsonObject("private").getAsJsonObject("dropped");
    assertTrue(dropped.get("replayed").getAsLong() >= captured, status.toString());
    assertTrue(dropped.get("unknown_key").getAsLong() >= 20, status.toString()); // garbage starting with 0x10
    assertTrue(status.get("droppedPublicOff").getAsLong() >= 3 + 30, status.toString()); // ping + 0x0D/E/F garbage
    JsonObject aliceStatus = c.cli(alice, "status", "--json").ok().json();
    assertTrue(aliceStatus.getAsJsonObject("private").getAsJsonObject("joins_refused").get("replayed").getAsLong() >= 1,
        aliceStatus.toString());

    // Carol is removed: a new epoch; bob keeps working, carol is shut out, no restart.
    assertTrue(c.cli(alice, "network", "remove", "friends", carolId).ok().out().contains("epoch 2"));
    eventually("bob takes the new epoch", Duration.ofSeconds(20), () -> c.cli(bob, "networks", "--json"),
        r -> r.exit() == 0 && r.json().getAsJsonArray("networks").get(0).getAsJsonObject().get("epoch").getAsLong() == 2);
    c.cli(bob, "lookup", "--network", "friends", aliceId).ok(); // a fresh query: the DHT asks alice
    // Carol is sent the new roster under the key she still holds: the signed notice of her
    // removal, which her node shows; she has left the network.
    eventually("carol is told she was removed", Duration.ofSeconds(20), () -> c.cli(carol, "networks", "--json"),
        r -> r.exit() == 0 && r.json().getAsJsonArray("networks").get(0).getAsJsonObject().has("removed")
            && r.json().getAsJsonArray("networks").get(0).getAsJsonObject().get("removed_by").getAsString()
                .equalsIgnoreCase(aliceId));
    c.cli(carol, "lookup", "--network", "friends", bobId).failsWith(1, "");
    c.cli(carol, "lookup", "--network", "friends", aliceId).failsWith(1, "");
  }
}
