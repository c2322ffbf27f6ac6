package dev.wormholes.node.networks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.networks.NetworkInvites;
import dev.wormholes.networks.Payloads;
import dev.wormholes.networks.wire.InviteLink;
import dev.wormholes.node.WormholesNode;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invites survive a restart of the inviter (in process, loopback, data dirs on disk): a link made
 * before the restart admits a member after it, and a link used before the restart is refused as
 * replayed after it to anyone but its member, who is answered again at most {@link
 * NetworkInvites#MAX_AGAIN} times in all, before and after the restart together.
 */
class NetworkInvitesRestartTest {
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

  @Test
  void pendingAndUsedLinksSurviveARestartOfTheInviter() throws Exception {
    alice = start("alice", new InetSocketAddress("127.0.6.1", 0));
    InetSocketAddress at = alice.udpAddress();
    bob = start("bob", new InetSocketAddress("127.0.6.2", 0));
    carol = start("carol", new InetSocketAddress("127.0.6.3", 0));
    alice.networks().create("friends").join();
    String used = alice.networks().invite("friends", false, 600).join();
    String pending = alice.networks().invite("friends", false, 600).join();
    InviteLink again = NetworkInvites.parseLink(alice.networks().invite("friends", false, 600).join()).orElseThrow();
    assertEquals("friends", bob.networks().join(used, null).join());
    assertTrue(Files.exists(tmp.resolve("alice").resolve("networks").resolve("invites.bin")));
    try (RawJoiner dave = new RawJoiner(6, "127.0.6.4", again)) {
      // Dave is admitted and answered again twice (his answers "lost"), alice restarts, he is
      // answered again once more (the third time in all) and then refused: a count kept per run
      // would answer him 3 more times after the restart.
      for (int i = 0; i < NetworkInvites.MAX_AGAIN; i++) {
        assertEquals(Payloads.ANSWER, dave.ask(alice.id(), at));
      }
      alice.close();
      alice = start("alice", new InetSocketAddress("127.0.6.1", at.getPort()));
      assertEquals(Payloads.ANSWER, dave.ask(alice.id(), at));
      assertEquals(Payloads.REFUSED, dave.ask(alice.id(), at));
    }
    CompletionException replayed = assertThrows(CompletionException.class,
        () -> carol.networks().join(used, null).join());
    assertTrue(replayed.getCause().getMessage().contains("replayed"), replayed.toString());
    assertEquals("friends", carol.networks().join(pending, null).join());
    assertEquals(4, alice.networks().list().join().get(0).getAsJsonObject().getAsJsonArray("members").size());
  }
}
