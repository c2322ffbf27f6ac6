package dev.wormholes.node.it;

import static dev.wormholes.node.it.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Onion circuits with five real daemons in a loopback-only namespace. Friendships (invite and
 * accept): client-guard, guard-m1, guard-m2, m1-target, m2-target, so the client's only 3-hop
 * paths are client -> guard -> m1|m2 -> target, drawn by path selection from the guard's signed
 * list and m1's or m2's. The target exposes a web server; {@code wormholes connect --onion} fetches
 * a 1 MiB file through the circuit byte for byte and {@code wormholes circuits} names the hops;
 * the middle hop is killed with SIGKILL, the circuit ends with a reason the client's {@code
 * circuits} shows, and the next {@code connect --onion} builds a new circuit through the other middle.
 */
class OnionCircuitProcessTest {
  private static final int HTTP_PORT = 8771;

  @RegisterExtension final ClusterExtension it = new ClusterExtension();

  @Test
  void aThreeHopCircuitCarriesAStreamAndAKilledRelayGivesWayToANewCircuit() throws Exception {
    Cluster c = it.cluster();
    Path www = c.webServer(HTTP_PORT);
    StringBuilder page = new StringBuilder();
    SplittableRandom r = new SplittableRandom(17);
    while (page.length() < (1 << 20)) {
      page.append(Long.toString(r.nextLong(), 36)).append(r.nextInt(10) == 0 ? "\n" : " ");
    }
    String body = page.toString();
    Files.writeString(www.resolve("page.txt"), body);
    // One after the other: five JVMs starting at once on a loaded 2-core machine miss the ready bound.
    NodeProcess guard = c.start("guard", 7411).awaitReady();
    NodeProcess client = c.start("client", 7412, guard).awaitReady();
    NodeProcess m1 = c.start("m1", 7413, guard).awaitReady();
    NodeProcess m2 = c.start("m2", 7414, guard).awaitReady();
    NodeProcess target = c.start("target", 7415, guard).awaitReady();
    Map<NodeProcess, String> ids = new java.util.HashMap<>();
    for (NodeProcess n : List.of(guard, client, m1, m2, target)) {
      ids.put(n, idOf(n));
    }
    befriend(c, client, guard);
    befriend(c, guard, m1);
    befriend(c, guard, m2);
    befriend(c, m1, target);
    befriend(c, m2, target);
    c.cli(target, "expose", "web", "127.0.0.1:" + HTTP_PORT, "--public").ok();

    String fetch = c.httpGet(client, "/page.txt", "--onion " + ids.get(target) + " web");
    CliResult got = eventually("connect --onion", Duration.ofSeconds(60), Duration.ofSeconds(2),
        () -> shell(c, "connect-onion", fetch), x -> x.exit() == 0 && x.out().contains("\r\n\r\n"));
    assertSame(body, got.out());

    JsonArray hops = onlyCircuit(c.cli(client, "circuits", "--json").ok().json()).getAsJsonArray("hops");
    assertEquals(3, hops.size(), hops.toString());
    assertEquals(ids.get(guard), hops.get(0).getAsString());
    assertEquals(ids.get(target), hops.get(2).getAsString());
    String middle = hops.get(1).getAsString();
    assertTrue(middle.equals(ids.get(m1)) || middle.equals(ids.get(m2)), hops.toString());
    NodeProcess killed = middle.equals(ids.get(m1)) ? m1 : m2;

    killed.kill9();
    CliResult gone = eventually("the circuit through the killed relay ends", Duration.ofSeconds(30),
        () -> c.cli(client, "circuits", "--json"),
        x -> x.exit() == 0 && x.json().getAsJsonArray("circuits").isEmpty());
    String closed = gone.json().get("lastClosed").getAsString();
    assertTrue(closed.contains(middle) && closed.contains("destroyed"), closed);

    CliResult again = eventually("connect --onion after the kill", Duration.ofSeconds(60), Duration.ofSeconds(2),
        () -> shell(c, "connect-onion-again", fetch), x -> x.exit() == 0 && x.out().contains("\r\n\r\n"));
    assertSame(body, again.out());
    JsonArray now = onlyCircuit(c.cli(client, "circuits", "--json").ok().json()).getAsJsonArray("hops");
    assertEquals(ids.get(guard), now.get(0).getAsString());
    assertNotEquals(middle, now.get(1).getAsString(), "the new circuit avoids the killed relay");
    assertEquals(ids.get(target), now.get(2).getAsString());
  }

  /** Assert that the HTTP answer {@code got} carries exactly {@code body}, saying where it differs. */
  private static void assertSame(String body, String got) {
    String page = got.substring(got.indexOf("\r\n\r\n") + 4);
    int i = 0;
    while (i < Math.min(page.length(), body.length()) && page.charAt(i) == body.charAt(i)) {
      i++;
    }
    assertEquals(body.length() + " chars, none different", page.length() + " chars, "
        + (i == Math.min(page.length(), body.length()) ? "none different" : "the first different at " + i));
  }

  /** The node id from the daemon's ready line, {@code wormholed ID listening on ...}. */
  private static String idOf(NodeProcess n) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("wormholed ([a-z2-7]{52}) listening on").matcher(n.logText());
    assertTrue(m.find(), n.logText());
    return m.group(1);
  }

  private static JsonObject onlyCircuit(JsonObject circuits) {
    JsonArray list = circuits.getAsJsonArray("circuits");
    assertEquals(1, list.size(), circuits.toString());
    return list.get(0).getAsJsonObject();
  }

  /** {@code a} invites {@code b}, {@code b} accepts: each is the other's accepted contact. */
  private static void befriend(Cluster c, NodeProcess a, NodeProcess b) {
    String link = c.cli(a, "invite", "--name", b.name(), "--expires", "1h").ok().out().trim();
    c.cli(b, "accept", link, "--name", a.name()).ok();
  }

  private static CliResult shell(Cluster c, String label, String script) {
    Exec.Result r = Exec.run(c.inNamespace("bash", "-c", script), c.env(), 70);
    return new CliResult(label, r.exit(), r.out(), r.err());
  }
}
