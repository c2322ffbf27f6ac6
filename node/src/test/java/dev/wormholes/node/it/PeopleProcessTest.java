package dev.wormholes.node.it;

import static dev.wormholes.node.it.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.wormholes.proto.Identity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README's "add a friend" walkthrough with real processes in a loopback-only namespace: alice
 * invites bob by link, bob accepts, both list each other as accepted contacts; alice's web server,
 * exposed with an allow-list that names neither of them, is reached by bob as {@code web@alice},
 * {@code wormhole://web@alice/hello.txt} and {@code wormhole://web@PERSONA_ID/hello.txt} through
 * {@code wormholes connect} and as {@code http://web.alice.wh/hello.txt} and {@code
 * http://web.PERSONA_ID.wh/hello.txt} through SOCKS; a stranger's stream
 * to it is refused with the reason (shown in alice's {@code whoami}); a replayed invite and a
 * blocked contact are refused; a message alice signs, bob verifies as hers; a file alice encrypts to
 * bob opens at bob only, and not once changed. The stranger asks bob by
 * a contact request to his persona id alone (refused until bob approves) and becomes carol. Then a second device:
 * alice's laptop joins her persona by a device link (bob follows by push), and her contact book
 * follows her across the two devices (a rename, a block made while the laptop is down, an unblock); while bob is down the
 * laptop removes alice's first device and rotates with the recovery code; bob, restarted, follows
 * from the DHT; the removed device is refused by bob, the laptop is let in (by the URL form
 * {@code wormhole://web@bob/}); bob's {@code contact
 * check alice} counts carol's agreement; personas and contacts survive restarts of both daemons.
 */
class PeopleProcessTest {
  private static final int HTTP_PORT = 8767;

  @RegisterExtension final ClusterExtension it = new ClusterExtension();

  @Test
  void inviteAcceptThenConnectByPetnameWhileStrangersAreRefused() throws Exception {
    Cluster c = it.cluster();
    Path www = c.webServer(HTTP_PORT);
    Files.writeString(www.resolve("hello.txt"), "hello from alice\n");
    NodeProcess alice = c.start("alice", 7311).awaitReady();
    NodeProcess bob = c.start("bob", 7312, alice).awaitReady();
    NodeProcess laptop = c.start("laptop", 7314, alice); // alice's second machine, ready by the time it pairs
    NodeProcess stranger = c.start("stranger", 7313, alice).awaitReady();
    assertTrue(alice.logText().contains("its recovery code, shown only now"), alice.logText());
    String aliceId = c.cli(alice, "id").ok().out().trim();
    String strangerId = c.cli(stranger, "id").ok().out().trim();
    String alicePersona = c.cli(alice, "whoami", "--json").ok().json().get("persona").getAsString();
    // Not public: an allow-list naming someone else; contacts' devices get in through the gate.
    String nobody = Identity.fromSeed(new byte[32]).id().toString();
    c.cli(alice, "expose", "web", "127.0.0.1:" + HTTP_PORT, "--allow", nobody).ok();
    c.cli(bob, "expose", "web", "127.0.0.1:" + HTTP_PORT, "--allow", nobody).ok();

    String link = c.cli(alice, "invite", "--name", "bob", "--expires", "1h").ok().out().trim();
    assertTrue(link.startsWith("wormhole://invite/"), link);
    JsonObject accepted = c.cli(bob, "accept", link, "--name", "alice", "--json").ok().json();
    assertEquals("alice", accepted.get("petname").getAsString());
    assertEquals(alicePersona, accepted.get("persona").getAsString());
    assertAccepted(c.cli(bob, "contacts", "--json").ok().json(), "alice", aliceId);
    String bobId = c.cli(bob, "id").ok().out().trim();
    assertAccepted(c.cli(alice, "contacts", "--json").ok().json(), "bob", bobId);
    c.cli(stranger, "accept", link).failsWith(1, "used already");

    reachAlicesWebByEveryName(c, bob, alicePersona);

    c.cli(stranger, "connect", aliceId, "web").failsWith(1, "refused the stream");
    JsonObject who = c.cli(alice, "whoami", "--json").ok().json();
    JsonObject refused = who.getAsJsonObject("refusedStreams");
    assertTrue(refused.get("refused").getAsLong() >= 1, who.toString());
    assertTrue(refused.get("recent").toString().contains("node " + strangerId
        + " is not a device of an accepted contact"), who.toString());

    // A message alice signs, bob verifies as hers.
    Path signed = www.resolve("signed.txt");
    Files.writeString(signed, c.cli(alice, "sign", "see you at eight").ok().out());
    assertTrue(c.cli(bob, "verify", signed.toString()).ok().out()
        .startsWith("good signature by alice (persona " + alicePersona + ")"));
    Files.writeString(signed, "-----BEGIN WORMHOLES SIGNED MESSAGE-----\nAAAA\n-----END WORMHOLES SIGNED MESSAGE-----\n");
    c.cli(bob, "verify", signed.toString()).failsWith(1, "not a good signature");
    // A file alice encrypts to bob opens at bob only; a changed one is refused.
    Path sealed = www.resolve("sealed.txt");
    Files.writeString(sealed, c.cli(alice, "encrypt", "--to", "bob", www.resolve("hello.txt").toString()).ok().out());
    assertEquals("hello from alice\n", c.cli(bob, "decrypt", sealed.toString()).ok().out());
    c.cli(alice, "decrypt", sealed.toString()).failsWith(1, "not yours");
    String text = Files.readString(sealed);
    int mid = text.indexOf("-----END") - 12; // in the ciphertext's last bytes
    while (!Character.isLetter(text.charAt(mid))) {
      mid--;
    }
    Files.writeString(sealed, text.substring(0, mid) + (text.charAt(mid) == 'A' ? 'B' : 'A') + text.substring(mid + 1));
    c.cli(bob, "decrypt", sealed.toString()).failsWith(1, "changed or damaged");

    // A blocked contact is refused too; unblocking lets it in again.
    c.cli(alice, "contact", "block", "bob").ok();
    c.cli(bob, "connect", "web@alice").failsWith(1, "refused the stream");
    c.cli(alice, "contact", "unblock", "bob").ok();

    // The stranger becomes carol, a friend of both (for corroboration): she asks bob by a contact
    // request, which waits until bob approves it; alice she meets by invite.
    String bobPersona = c.cli(bob, "whoami", "--json").ok().json().get("persona").getAsString();
    assertTrue(c.cli(stranger, "request", bobPersona, "--name", "bob", "--message", "carol here").ok().out()
        .contains("pending-out")); // by persona id alone: found in the DHT
    assertTrue(c.cli(bob, "contacts").ok().out().contains("request: carol here"));
    c.cli(stranger, "connect", "web@bob").failsWith(1, "refused the stream");
    c.cli(bob, "contacts", "approve", "friend").ok();
    eventually("carol hears bob's approval", Duration.ofSeconds(30), () -> c.cli(stranger, "contacts"),
        r -> r.exit() == 0 && r.out().contains("accepted"));
    c.cli(alice, "accept", c.cli(stranger, "invite", "--name", "alice").ok().out().trim(), "--name", "carol").ok();

    // A second device: the laptop (a fresh node) joins alice's persona by a device link and gets
    // her contacts; bob hears of it by push, without a prompt.
    String devLink = c.cli(alice, "device", "add").ok().out().trim();
    assertTrue(devLink.startsWith("wormhole://device/"), devLink);
    laptop.awaitReady();
    String laptopId = c.cli(laptop, "id").ok().out().trim();
    assertTrue(c.cli(laptop, "accept", devLink).ok().out().contains("device of persona " + alicePersona));
    c.cli(stranger, "accept", devLink).failsWith(1, "has contacts or history");
    eventually("bob sees alice's second device", Duration.ofSeconds(30), () -> c.cli(bob, "contacts", "--json"),
        r -> r.exit() == 0 && r.out().contains(laptopId));
    assertTrue(c.cli(laptop, "contacts").ok().out().contains("bob"));
    c.cli(laptop, "expose", "web", "127.0.0.1:" + HTTP_PORT, "--allow", nobody).ok();
    // The contact book follows the persona across its devices: a rename on one shows on the other,
    // a block made while the laptop is down reaches it when it starts, its unblock comes back.
    c.cli(alice, "contact", "rename", "carol", "caroline").ok();
    eventually("the laptop shows alice's rename", Duration.ofSeconds(30), () -> c.cli(laptop, "contacts", "--json"),
        r -> r.exit() == 0 && stateOf(r.out(), "caroline").equals("accepted"));
    assertEquals(0, laptop.terminate());
    c.cli(alice, "contact", "block", "caroline").ok();
    NodeProcess laptop2 = c.restart(laptop, 7314).awaitReady();
    eventually("the laptop catches up on the block made while it was down", Duration.ofSeconds(60),
        () -> c.cli(laptop2, "contacts", "--json"), r -> r.exit() == 0 && stateOf(r.out(), "caroline").equals("blocked"));
    c.cli(laptop2, "contact", "unblock", "caroline").ok();
    eventually("alice sees the laptop's unblock", Duration.ofSeconds(30), () -> c.cli(alice, "contacts", "--json"),
        r -> r.exit() == 0 && stateOf(r.out(), "caroline").equals("accepted"));

    // While bob is down, the laptop removes alice's first device and rotates with the recovery
    // code; the removed device hears it by push, bob picks it up from the DHT when back.
    assertEquals(0, bob.terminate());
    String log = alice.logText();
    String code = log.substring(log.indexOf("it is not kept): ") + 17).lines().findFirst().orElseThrow().trim();
    String removed = c.cli(laptop2, "device", "remove", aliceId, "--recovery", code).ok().out();
    assertTrue(removed.contains("new recovery code"), removed);
    eventually("alice's first device learns it was removed", Duration.ofSeconds(30),
        () -> c.cli(alice, "whoami"), r -> r.exit() == 0 && r.out().contains("REMOVED"));

    // Personas and contacts survive restarts of both daemons.
    assertEquals(0, alice.terminate());
    NodeProcess alice2 = c.restart(alice, 7311).awaitReady();
    NodeProcess bob2 = c.restart(bob, 7312).awaitReady();
    assertTrue(!alice2.logText().contains("recovery code"), "the recovery code is shown only once");
    assertEquals(alicePersona, c.cli(alice2, "whoami", "--json").ok().json().get("persona").getAsString());
    assertTrue(c.cli(alice2, "contacts", "--json").ok().out().contains(bobId));
    eventually("bob follows alice's log from the DHT", Duration.ofSeconds(60), () -> c.cli(bob2, "contacts", "--json"),
        r -> r.exit() == 0 && r.out().contains(laptopId) && !r.out().contains(aliceId));
    String again = c.httpGet(bob2, "/hello.txt", "web@alice");
    eventually("connect web@alice (now her laptop) after restarts", Duration.ofSeconds(60),
        () -> shell(c, "connect-again", again), r -> r.exit() == 0 && r.out().contains("hello from alice"));
    // The removed device no longer reaches alice's contacts as alice; the laptop does.
    c.cli(alice2, "connect", "web@bob").failsWith(1, "refused the stream");
    String viaLaptop = c.httpGet(laptop2, "/hello.txt", "wormhole://web@bob/");
    eventually("the laptop reaches web@bob", Duration.ofSeconds(40), () -> shell(c, "laptop-connect", viaLaptop),
        r -> r.exit() == 0 && r.out().contains("hello from alice"));
    // Corroboration: carol holds the same head of alice's log as bob.
    assertTrue(c.cli(bob2, "contact", "check", "alice").ok().out().contains("1 of 1 friends agree"));
  }

  /**
   * Bob reaches alice's web server by every name a person has: {@code web@alice} and the URL forms
   * {@code wormhole://web@alice/hello.txt} and {@code wormhole://web@PERSONA_ID/hello.txt} through
   * {@code wormholes connect}, {@code http://web.alice.wh/hello.txt} and {@code
   * http://web.PERSONA_ID.wh/hello.txt} through his SOCKS port.
   */
  private static void reachAlicesWebByEveryName(Cluster c, NodeProcess bob, String alicePersona) throws Exception {
    String request = c.httpGet(bob, "/hello.txt", "web@alice");
    eventually("connect web@alice", Duration.ofSeconds(40), () -> shell(c, "connect", request),
        r -> r.exit() == 0 && r.out().contains("hello from alice"));
    for (String url : new String[] {"wormhole://web@alice/hello.txt", "wormhole://web@" + alicePersona + "/hello.txt"}) {
      CliResult r = shell(c, "connect-url", c.httpGet(bob, "/hello.txt", url));
      assertTrue(r.exit() == 0 && r.out().contains("hello from alice"), url + ": " + r.describe());
    }
    String socks = Files.readString(bob.dataDir().resolve("socks.url")).trim(); // socks5h://wh:PASSWORD@127.0.0.1:PORT
    for (String name : new String[] {"alice", alicePersona}) {
      CliResult curl = shell(c, "curl", "curl -sS --max-time 30 -x " + socks + " http://web." + name + ".wh/hello.txt");
      assertEquals("hello from alice\n", curl.out(), curl.describe());
    }
  }

  /** Return the state of the contact called {@code petname} in {@code contacts --json} output, or "none". */
  private static String stateOf(String contactsJson, String petname) {
    for (var e : com.google.gson.JsonParser.parseString(contactsJson).getAsJsonObject().getAsJsonArray("contacts")) {
      if (e.getAsJsonObject().get("petname").getAsString().equals(petname)) {
        return e.getAsJsonObject().get("state").getAsString();
      }
    }
    return "none";
  }

  private static void assertAccepted(JsonObject contacts, String petname, String node) {
    JsonArray list = contacts.getAsJsonArray("contacts");
    assertEquals(1, list.size(), contacts.toString());
    JsonObject one = list.get(0).getAsJsonObject();
    assertEquals(petname, one.get("petname").getAsString());
    assertEquals("accepted", one.get("state").getAsString());
    assertTrue(one.getAsJsonArray("nodes").toString().contains(node), contacts.toString());
  }

  private static CliResult shell(Cluster c, String label, String script) {
    Exec.Result r = Exec.run(c.inNamespace("bash", "-c", script), c.env(), 70);
    return new CliResult(label, r.exit(), r.out(), r.err());
  }
}
