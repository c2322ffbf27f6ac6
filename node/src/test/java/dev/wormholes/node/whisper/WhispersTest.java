package dev.wormholes.node.whisper;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.wormholes.node.NodeConfig;
import dev.wormholes.node.WormholesNode;
import dev.wormholes.people.WhisperOutbox;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whispers between in-process daemons with streams: alice and bob are contacts, carol is not.
 * A whisper is delivered once, kept in LMDB, and a stranger's, one addressed to another node and a
 * burst over the rate limit are refused and counted.
 */
class WhispersTest {
  @TempDir
  static Path tmp;
  static WormholesNode alice;
  static WormholesNode bob;
  static WormholesNode carol;

  @BeforeAll
  static void start() throws Exception {
    alice = node("alice", "127.0.6.1", null);
    bob = node("bob", "127.0.6.2", alice);
    carol = node("carol", "127.0.6.3", alice);
    await().atMost(Duration.ofSeconds(30)).until(() -> alice.runtime().presence().join().current() != null
        && bob.runtime().presence().join().current() != null && carol.runtime().presence().join().current() != null);
    String link = alice.streams().people().invite("bob", 3600).get("link").getAsString();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().until(() ->
        bob.streams().people().accept(link, "alice").get(20, TimeUnit.SECONDS).has("persona"));
  }

  static WormholesNode node(String name, String ip, WormholesNode seed) {
    NodeConfig.Builder b = NodeConfig.builder().dataDir(tmp.resolve(name)).lanDiscovery(false)
        .listen(new InetSocketAddress(ip, 0)).streams(true);
    if (seed != null) {
      b.bootstrap(seed.udpAddress());
    }
    return WormholesNode.start(b.build());
  }

  @AfterAll
  static void stop() {
    for (WormholesNode n : new WormholesNode[] {carol, bob, alice}) {
      if (n != null) n.close();
    }
  }

  static JsonObject send(WormholesNode from, String to, String text) throws Exception {
    return from.streams().whispers().whisper(to, text).get(30, TimeUnit.SECONDS);
  }

  @Test
  void aContactsWhisperIsDeliveredOnceAndStrangersAreRefused() throws Exception {
    JsonObject sent = send(bob, "alice", "hello <b>alice</b>");
    assertEquals("delivered", sent.get("state").getAsString(), sent.toString());
    JsonArray inbox = alice.streams().whispers().whispers().getAsJsonArray("inbox");
    JsonObject got = inbox.get(inbox.size() - 1).getAsJsonObject();
    assertEquals("bob", got.get("from").getAsString());
    assertEquals("hello <b>alice</b>", got.get("text").getAsString());
    // The same signed bytes again (as a retry after a lost answer would send them): stored once.
    Whispers w = alice.streams().whispers();
    int before = w.whispers().getAsJsonArray("inbox").size();
    byte[] raw = WhisperMessage.sign(bob.runtime().identity(), alice.id(), 999, 1, "twice").encoded();
    assertEquals(WhisperOutbox.Answer.STORED, w.take(bob.id(), raw));
    assertEquals(WhisperOutbox.Answer.STORED, w.take(bob.id(), raw));
    assertEquals(before + 1, w.whispers().getAsJsonArray("inbox").size());

    JsonObject stranger = send(carol, alice.id().toString(), "let me in");
    assertEquals("refused", stranger.get("state").getAsString(), stranger.toString());
    assertEquals("not_contact", stranger.get("reason").getAsString());
    assertEquals(1L, w.refused().get("not_contact"));
    // Bob's key on carol's stream, and a whisper for another node: refused too.
    assertEquals(WhisperOutbox.Answer.MALFORMED, w.take(carol.id(), raw));
    assertEquals(WhisperOutbox.Answer.WRONG_RECIPIENT,
        w.take(bob.id(), WhisperMessage.sign(bob.runtime().identity(), carol.id(), 1000, 1, "x").encoded()));
    assertEquals(1L, w.refused().get("key_not_peer"));
    assertEquals(1L, w.refused().get("wrong_recipient"));
    // A burst of twice the per-minute limit plus one spans at most two minutes: some are refused.
    int taken = 0;
    for (int i = 0; i < 2 * dev.wormholes.people.WhisperIntake.PER_SENDER_PER_MINUTE + 1; i++) {
      if (w.take(bob.id(), WhisperMessage.sign(bob.runtime().identity(), alice.id(), 2000 + i, 1, "burst " + i).encoded())
          == WhisperOutbox.Answer.STORED) {
        taken++;
      }
    }
    assertTrue(taken <= 2 * dev.wormholes.people.WhisperIntake.PER_SENDER_PER_MINUTE, "taken " + taken);
    assertTrue(w.refused().getOrDefault("rate_limited", 0L) >= 1, w.refused().toString());
  }

  @Test
  void aWhisperToNobodyKnownIsAnError() {
    var e = org.junit.jupiter.api.Assertions.assertThrows(dev.wormholes.node.api.ApiException.class,
        () -> bob.streams().whispers().whisper("nobody", "hi"));
    assertEquals(404, e.status());
  }
}
