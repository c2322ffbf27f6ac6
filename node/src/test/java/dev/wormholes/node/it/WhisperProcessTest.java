package dev.wormholes.node.it;

import static dev.wormholes.node.it.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Whispers between real {@code wormholed} processes in a loopback-only namespace: bob's whisper
 * reaches alice at once; with alice killed (-9), bob's next one waits in his outbox, survives bob's
 * own {@code kill -9}, and reaches alice exactly once after both restart; alice's inbox survives
 * her crash; a stranger's whisper is refused and counted; alice's status page shows the hostile
 * text escaped.
 */
class WhisperProcessTest {
  static final String HOSTILE = "<script>alert(1)</script> hi alice";

  @RegisterExtension final ClusterExtension it = new ClusterExtension();

  @Test
  void deliveredLaterExactlyOnceAcrossCrashesWhileStrangersAreRefused() throws Exception {
    Cluster c = it.cluster();
    NodeProcess alice = c.start("alice", 7331).awaitReady();
    NodeProcess bob = c.start("bob", 7332, alice).awaitReady();
    NodeProcess carol = c.start("carol", 7333, alice).awaitReady();
    JsonObject invite = c.cli(alice, "invite", "--name", "bob", "--json").ok().json();
    String aliceId = invite.get("node").getAsString();
    String link = invite.get("link").getAsString();
    eventually("bob accepts", Duration.ofSeconds(60), Duration.ofSeconds(2),
        () -> c.cli(bob, "accept", link, "--name", "alice"), r -> r.exit() == 0);

    JsonObject now = c.cli(bob, "whisper", "alice", HOSTILE, "--json").ok().json();
    assertEquals("delivered", now.get("state").getAsString(), now.toString());

    alice.kill9();
    CliResult queued = c.cli(bob, "whisper", "alice", "while you were away").ok();
    assertTrue(queued.out().startsWith("queued for alice"), queued.describe());
    bob.kill9(); // the outbox is in LMDB: nothing lost
    NodeProcess bob2 = c.restart(bob, 7332).awaitReady();
    NodeProcess alice2 = c.restart(alice, 7331).awaitReady();
    c.cli(carol, "whisper", aliceId, "let me in").failsWith(1, "refused by " + aliceId + ": not_contact");

    CliResult got = eventually("the queued whisper reaches alice", Duration.ofSeconds(90), Duration.ofSeconds(3),
        () -> c.cli(alice2, "whispers", "--json"), r -> r.exit() == 0 && r.out().contains("while you were away"));
    JsonObject w = got.json();
    assertEquals(1, count(w.getAsJsonArray("inbox"), "while you were away"), w.toString());
    assertEquals(1, count(w.getAsJsonArray("inbox"), HOSTILE), "the inbox survives kill -9: " + w);
    assertEquals(1L, w.getAsJsonObject("refused").get("not_contact").getAsLong(), w.toString());
    eventually("bob sees it delivered", Duration.ofSeconds(30), Duration.ofSeconds(2),
        () -> c.cli(bob2, "whispers", "--json"), r -> r.exit() == 0
            && r.json().getAsJsonArray("outbox").toString().contains("\"state\":\"delivered\",\"attempts\""));

    // The status page shows the whisper as text (curl with a cookie jar, inside the namespace).
    String url = c.cli(alice2, "web").ok().out().trim();
    Exec.Result page = Exec.run(c.inNamespace("curl", "-sS", "--max-time", "30", "-L", "-c", "/dev/null", url),
        java.util.Map.of(), 40);
    assertEquals(0, page.exit(), page.err());
    assertTrue(page.out().contains("&lt;script&gt;alert(1)&lt;/script&gt; hi alice"), page.out());
    assertFalse(page.out().contains("<script"), page.out());
  }

  static int count(JsonArray inbox, String text) {
    int n = 0;
    for (JsonElement e : inbox) {
      if (e.getAsJsonObject().get("text").getAsString().equals(text)) {
        n++;
      }
    }
    return n;
  }
}
