package dev.wormholes.node.it;

import static dev.wormholes.node.it.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A whisper sent while its recipient is down reaches the recipient once it is back at the same
 * address, with the sender running throughout (real {@code wormholed} processes in a loopback-only
 * namespace). The sender still holds its QUIC connection to the killed process, so the first try
 * outlasts the command's wait for an answer (the open over that silent connection is given up
 * after 2 s, then the new search's handshake to the dead address runs on); the sender's retries
 * must then deliver it, exactly once.
 */
class WhisperRecipientRestartProcessTest {
  @RegisterExtension final ClusterExtension it = new ClusterExtension();

  @Test
  void queuedWhisperReachesTheRestartedRecipientWhileTheSenderRunsOn() throws Exception {
    Cluster c = it.cluster();
    NodeProcess alice = c.start("alice", 7341).awaitReady();
    NodeProcess bob = c.start("bob", 7342, alice).awaitReady();
    String link = c.cli(alice, "invite", "--name", "bob", "--json").ok().json().get("link").getAsString();
    eventually("bob accepts", Duration.ofSeconds(60), Duration.ofSeconds(2),
        () -> c.cli(bob, "accept", link, "--name", "alice"), r -> r.exit() == 0);
    assertEquals("delivered", c.cli(bob, "whisper", "alice", "hello", "--json").ok().json()
        .get("state").getAsString());

    alice.kill9();
    CliResult queued = c.cli(bob, "whisper", "alice", "while you were away").ok();
    assertTrue(queued.out().startsWith("queued for alice"), queued.describe());
    NodeProcess alice2 = c.restart(alice, 7341).awaitReady();

    long t0 = System.nanoTime();
    CliResult got = eventually("the queued whisper reaches alice", Duration.ofSeconds(60), Duration.ofSeconds(2),
        () -> c.cli(alice2, "whispers", "--json"), r -> r.exit() == 0 && r.out().contains("while you were away"));
    System.out.printf("[it] delivered %d ms after alice was back%n", (System.nanoTime() - t0) / 1_000_000);
    JsonObject w = got.json();
    assertEquals(1, WhisperProcessTest.count(w.getAsJsonArray("inbox"), "while you were away"), w.toString());
    eventually("bob sees it delivered", Duration.ofSeconds(30), Duration.ofSeconds(2),
        () -> c.cli(bob, "whispers", "--json"), r -> r.exit() == 0
            && stateOf(r.json(), "while you were away").equals("delivered"));
  }

  static String stateOf(JsonObject whispers, String text) {
    for (var e : whispers.getAsJsonArray("outbox")) {
      if (e.getAsJsonObject().get("text").getAsString().equals(text)) {
        return e.getAsJsonObject().get("state").getAsString();
      }
    }
    return "absent";
  }
}
