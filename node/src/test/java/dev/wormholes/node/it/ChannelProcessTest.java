package dev.wormholes.node.it;

import static dev.wormholes.node.it.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A channel among three real {@code wormholed} processes in a loopback-only namespace: alice
 * creates it and invites bob and carol by link; a post from each side is read on the others;
 * bob's posts survive his {@code kill -9}; alice removes carol: bob reads alice's next post,
 * carol never gets it, and carol's post after the removal reaches nobody.
 */
class ChannelProcessTest {
  @RegisterExtension final ClusterExtension it = new ClusterExtension();

  @Test
  void createInviteJoinPostReadRemove() throws Exception {
    Cluster c = it.cluster();
    NodeProcess alice = c.start("alice", 7341).awaitReady();
    NodeProcess bob = c.start("bob", 7342, alice).awaitReady();
    NodeProcess carol = c.start("carol", 7343, alice).awaitReady();
    JsonObject made = c.cli(alice, "channel", "create", "team", "--json").ok().json();
    String id = made.get("id").getAsString();
    for (NodeProcess n : new NodeProcess[] {bob, carol}) {
      String link = c.cli(alice, "channel", "invite", "team").ok().out().strip();
      assertTrue(link.startsWith("wormholes-channel:"), link);
      eventually(n.name() + " joins", Duration.ofSeconds(60), Duration.ofSeconds(2),
          () -> c.cli(n, "channel", "join", link), r -> r.exit() == 0);
    }
    c.cli(alice, "channel", "post", "team", "hello from alice").ok();
    c.cli(bob, "channel", "post", id, "hi, bob here").ok();
    for (NodeProcess n : new NodeProcess[] {alice, bob, carol}) {
      eventually(n.name() + " reads both", Duration.ofSeconds(60), Duration.ofSeconds(1),
          () -> c.cli(n, "channel", "read", "team"),
          r -> r.exit() == 0 && r.out().contains("hello from alice") && r.out().contains("hi, bob here"));
    }

    bob.kill9();
    NodeProcess bob2 = c.restart(bob, 7342).awaitReady();
    String kept = c.cli(bob2, "channel", "read", "team").ok().out();
    assertTrue(kept.contains("hello from alice") && kept.contains("hi, bob here"), "kept across kill -9: " + kept);

    String carolId = c.cli(carol, "id").ok().out().strip();
    JsonObject removed = c.cli(alice, "channel", "remove", "team", carolId, "--json").ok().json();
    assertEquals(2, removed.get("epoch").getAsInt(), removed.toString());
    c.cli(alice, "channel", "post", "team", "carol cannot read this").ok();
    c.cli(carol, "channel", "post", "team", "carol after removal").ok(); // her node has not heard yet
    eventually("bob reads the post after the removal", Duration.ofSeconds(60), Duration.ofSeconds(1),
        () -> c.cli(bob2, "channel", "read", "team"), r -> r.exit() == 0 && r.out().contains("carol cannot read this"));
    Thread.sleep(3_000); // a few gossip rounds: what carol could get, she would have got by now
    JsonObject atCarol = c.cli(carol, "channel", "read", "team", "--json").ok().json();
    for (JsonElement e : atCarol.getAsJsonArray("posts")) {
      assertFalse(e.toString().contains("carol cannot read this"), atCarol.toString());
      assertFalse(e.getAsJsonObject().get("epoch").getAsInt() == 2 && e.getAsJsonObject().has("text"), atCarol.toString());
    }
    for (NodeProcess n : new NodeProcess[] {alice, bob2}) {
      JsonObject r = c.cli(n, "channel", "read", "team", "--json").ok().json();
      assertFalse(r.toString().contains("carol after removal"), r.toString());
      assertEquals(2, r.get("epoch").getAsInt(), r.toString());
    }
  }
}
