package dev.wormholes.node.networks;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.wormholes.node.WormholesNode;
import dev.wormholes.proto.NodeId;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node in two private networks keeps them apart (in process, loopback): alice is in "a" with
 * bob and in "b" with carol; each finds the other members of its network, and no record of one
 * network is found in the other, even at alice, who holds both.
 */
class PrivateNetworksTest {
  private WormholesNode alice;
  private WormholesNode bob;
  private WormholesNode carol;

  private static WormholesNode start(String ip) {
    return KeptNodes.inMemory(ip);
  }

  @AfterEach
  void stop() {
    KeptNodes.close(alice, bob, carol);
  }

  private static boolean finds(WormholesNode from, String network, NodeId who) {
    try {
      return from.networks().lookup(network, who).join().getPublicKey().size() > 0;
    } catch (CompletionException e) {
      return false;
    }
  }

  @Test
  void aNodeInTwoNetworksKeepsThemApart() {
    alice = start("127.0.4.1");
    bob = start("127.0.4.2");
    carol = start("127.0.4.3");
    alice.networks().create("a").join();
    alice.networks().create("b").join();
    assertEquals("a", bob.networks().join(alice.networks().invite("a", false, 60).join(), null).join());
    assertEquals("b", carol.networks().join(alice.networks().invite("b", false, 60).join(), null).join());
    assertThrows(CompletionException.class, () -> carol.networks().join(
        alice.networks().invite("b", false, 60).join(), null).join(), "in b already");

    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
        .until(() -> finds(bob, "a", alice.id()) && finds(alice, "a", bob.id()));
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
        .until(() -> finds(carol, "b", alice.id()) && finds(alice, "b", carol.id()));
    assertTrue(!finds(alice, "a", carol.id()), "carol's record of b served in a");
    assertTrue(!finds(alice, "b", bob.id()), "bob's record of a served in b");
    assertTrue(!finds(bob, "a", carol.id()));
    assertThrows(CompletionException.class, () -> bob.networks().lookup("b", alice.id()).join(), "bob is not in b");
    // Nothing of either network's members is dropped, but for what was sent in the second a
    // receiver started in (stale_time: Keyring#fresh; the three nodes start within a second).
    JsonObject dropped = alice.networks().status().join().getAsJsonObject("dropped");
    assertEquals(0L, dropped.get("total").getAsLong() - dropped.get("stale_time").getAsLong(), dropped::toString);
    // What was sealed for anyone (to an address whose member was not known yet) is the exception.
    JsonObject s = alice.networks().status().join();
    assertTrue(s.get("opened_for_anyone").getAsLong() * 4 < s.get("opened").getAsLong(), s::toString);
    // Each join's first request got the cookie only; the roster went to the request that echoed it.
    assertTrue(s.get("joins_challenged").getAsLong() >= 2, s::toString);
  }
}
