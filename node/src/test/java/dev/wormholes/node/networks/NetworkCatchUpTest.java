package dev.wormholes.node.networks;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.wormholes.node.WormholesNode;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Removal, for the one removed and for one who was away (in process, loopback, data dirs on
 * disk): alice removes bob while carol is stopped. Bob is sent the signed roster under the key he
 * still holds and lists the network as removed, by alice. Carol comes back holding only the
 * replaced key, which alice (restarted meanwhile) no longer takes DHT packets under and the new
 * roster is not sealed with; she asks for the roster under her key, alice answers with a cookie
 * and, when carol echoes it from her address, with the roster under the same key, and carol is at
 * the new epoch and finds alice again, without a new invite.
 */
class NetworkCatchUpTest {
  @TempDir Path tmp;
  private WormholesNode alice;
  private WormholesNode bob;
  private WormholesNode carol;

  private WormholesNode start(String name, InetSocketAddress listen) {
    return KeptNodes.start(tmp.resolve(name), listen);
  }

  @AfterEach
  void stop() {
    KeptNodes.close(alice, bob, carol);
  }

  private static JsonObject first(WormholesNode n) {
    return n.networks().list().join().get(0).getAsJsonObject();
  }

  @Test
  void theRemovedIsToldAndAMemberWhoWasAwayCatchesUp() {
    alice = start("alice", new InetSocketAddress("127.0.23.11", 0));
    bob = start("bob", new InetSocketAddress("127.0.23.12", 0));
    carol = start("carol", new InetSocketAddress("127.0.23.13", 0));
    InetSocketAddress carolAt = carol.udpAddress();
    alice.networks().create("friends").join();
    bob.networks().join(alice.networks().invite("friends", false, 600).join(), null).join();
    carol.networks().join(alice.networks().invite("friends", false, 600).join(), null).join();
    Path carolPeers = tmp.resolve("carol").resolve("networks").resolve("friends.peers");
    await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(carolPeers)
        && first(alice).get("peers").getAsInt() == 2);

    carol.close();
    carol = null;
    assertEquals(2L, alice.networks().remove("friends", bob.id().toString()).join());
    await().atMost(Duration.ofSeconds(20)).until(() -> first(bob).has("removed"));
    assertEquals(alice.id().toString(), first(bob).get("removed_by").getAsString());

    // Alice restarts before carol is back: she opens her earlier epoch key again from the roster.
    InetSocketAddress aliceAt = alice.udpAddress();
    alice.close();
    alice = start("alice", aliceAt);
    carol = start("carol", carolAt);
    await().atMost(Duration.ofSeconds(40)).until(() -> first(carol).get("epoch").getAsLong() == 2);
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
        carol.networks().lookup("friends", alice.id()).get(10, TimeUnit.SECONDS) != null);
    JsonObject status = alice.networks().status().join();
    assertTrue(status.get("catchups_answered").getAsLong() >= 1);
    assertTrue(status.get("catchups_challenged").getAsLong() >= 1, "the roster went to a proven address");
  }
}
