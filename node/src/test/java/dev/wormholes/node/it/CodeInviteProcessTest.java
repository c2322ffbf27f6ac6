package dev.wormholes.node.it;

import static dev.wormholes.node.it.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Invites by a code read aloud, between real processes in a loopback-only namespace: bob tries
 * alice's code with one wrong digit and is refused; the code is then burnt (the right one no
 * longer works); a new code, typed right, makes both accepted contacts; alice counts the wrong
 * guess.
 */
class CodeInviteProcessTest {
  @RegisterExtension final ClusterExtension it = new ClusterExtension();

  @Test
  void aCodeReadAloudPairsTwoPeopleAndAWrongGuessBurnsIt() {
    Cluster c = it.cluster();
    NodeProcess alice = c.start("alice", 7351).awaitReady();
    NodeProcess bob = c.start("bob", 7352, alice).awaitReady();

    String code = c.cli(alice, "invite", "--code", "--name", "bob").ok().out().trim();
    assertTrue(code.matches("[0-9]{3}-[0-9]{3}-[0-9]{3}-[0-9]{3}"), code);
    char last = code.charAt(code.length() - 1);
    String wrong = code.substring(0, code.length() - 1) + (last == '9' ? '0' : (char) (last + 1));
    // The nameplate's DHT item may take a moment to be stored; a lookup that finds none burns nothing.
    CliResult guess = eventually("bob finds alice's code", Duration.ofSeconds(60), () -> c.cli(bob, "accept", wrong),
        r -> !r.err().contains("no invite is published"));
    guess.failsWith(1, "wrong code");
    c.cli(bob, "accept", code).failsWith(1, "no invite has that code");

    String second = c.cli(alice, "invite", "--code", "--name", "bob").ok().out().trim();
    JsonObject accepted = eventually("bob accepts the second code", Duration.ofSeconds(60),
        () -> c.cli(bob, "accept", second, "--name", "alice", "--json"),
        r -> !r.err().contains("no invite is published")).ok().json();
    assertEquals("alice", accepted.get("petname").getAsString());
    assertTrue(c.cli(alice, "contacts", "--json").ok().out().contains("\"petname\":\"bob\""));
    assertTrue(c.cli(alice, "contacts", "--json").ok().out().contains("\"state\":\"accepted\""));
    JsonObject refused = c.cli(alice, "whoami", "--json").ok().json().getAsJsonObject("refusedCodes");
    assertEquals(1, refused.get("wrong_code").getAsLong(), refused.toString());
    assertEquals(1, refused.get("unknown").getAsLong(), refused.toString());
  }
}
