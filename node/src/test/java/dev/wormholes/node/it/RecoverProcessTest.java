package dev.wormholes.node.it;

import static dev.wormholes.node.it.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A person who lost their only device takes the persona back on a new machine with the recovery
 * code alone, between real processes in a loopback-only namespace: alice and bob are contacts;
 * carol, a fresh node, runs {@code recover CODE} and becomes alice's only device (the old one is
 * left running, as a stolen device would be). Bob finds the new device by the rotation's beacon
 * with no device he knew answering, takes the log as explained changes, encrypts to alice and
 * carol opens it (the old device cannot), and bob refuses the old device's streams.
 */
class RecoverProcessTest {
  @RegisterExtension final ClusterExtension it = new ClusterExtension();

  @Test
  void theRecoveryCodeTakesThePersonaToANewMachineAndContactsFollow() throws Exception {
    Cluster c = it.cluster();
    NodeProcess alice = c.start("alice", 7361).awaitReady();
    NodeProcess bob = c.start("bob", 7362, alice).awaitReady();
    NodeProcess carol = c.start("carol", 7363, bob);
    String log = alice.logText();
    String code = log.substring(log.indexOf("it is not kept): ") + 17).lines().findFirst().orElseThrow().trim();
    JsonObject aliceWho = c.cli(alice, "whoami", "--json").ok().json();
    String aliceId = aliceWho.get("node").getAsString();
    String persona = aliceWho.get("persona").getAsString();
    c.cli(bob, "expose", "web", "127.0.0.1:8797").ok(); // contacts only; nothing need listen
    String link = c.cli(alice, "invite", "--name", "bob").ok().out().trim();
    assertTrue(c.cli(bob, "accept", link, "--name", "alice", "--json").ok().out().contains(persona));

    carol.awaitReady();
    c.cli(carol, "recover", "aaaa-bbbb").failsWith(2, "not a recovery code");
    // The locator item may take a moment to be stored after alice's first contact.
    CliResult recovered = eventually("carol recovers alice's persona", Duration.ofSeconds(40),
        () -> c.cli(carol, "recover", code, "--json"), r -> !r.err().contains("no persona with this recovery code"));
    JsonObject r = recovered.ok().json();
    assertEquals(persona, r.get("persona").getAsString());
    assertTrue(r.getAsJsonArray("removed").toString().contains(aliceId), r.toString());
    assertTrue(r.has("recoveryCode"), r.toString());
    JsonObject who = c.cli(carol, "whoami", "--json").ok().json();
    String carolId = who.get("node").getAsString();
    assertEquals(persona, who.get("persona").getAsString());
    assertEquals("[\"" + carolId + "\"]", who.getAsJsonArray("devices").toString());
    c.cli(carol, "recover", code).failsWith(1, "contacts or history already");

    // Bob knew only alice's old device, which still runs and still names the old head.
    eventually("bob follows alice to her new machine", Duration.ofSeconds(40),
        () -> c.cli(bob, "contact", "check", "alice", "--json"), x -> x.exit() == 0
        && (x.out().contains(carolId) || c.cli(bob, "contacts", "--json").out().contains(carolId)));
    String contacts = c.cli(bob, "contacts", "--json").ok().out();
    assertTrue(contacts.contains(carolId), contacts);
    assertTrue(!contacts.contains(aliceId) && contacts.contains("\"state\":\"accepted\""), contacts);

    Path dir = Files.createTempDirectory("wh-it-recover");
    try {
      Path sealed = dir.resolve("sealed.txt");
      Files.writeString(dir.resolve("note.txt"), "for alice's eyes\n");
      Files.writeString(sealed, c.cli(bob, "encrypt", "--to", "alice", dir.resolve("note.txt").toString()).ok().out());
      assertEquals("for alice's eyes\n", c.cli(carol, "decrypt", sealed.toString()).ok().out());
      c.cli(alice, "decrypt", sealed.toString()).failsWith(1, "wormholes: ");
    } finally {
      try (var paths = Files.walk(dir)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    c.cli(alice, "connect", "web@bob").failsWith(1, "refused the stream");
    JsonObject refused = c.cli(bob, "whoami", "--json").ok().json().getAsJsonObject("refusedStreams");
    assertTrue(refused.get("recent").toString().contains("node " + aliceId
        + " is not a device of an accepted contact"), refused.toString());
  }
}
