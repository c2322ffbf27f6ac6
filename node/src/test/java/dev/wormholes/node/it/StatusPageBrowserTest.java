package dev.wormholes.node.it;

import static dev.wormholes.node.it.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The status page in a real browser: two {@code wormholed} processes that are each other's
 * contacts, in the test's loopback-only namespace; headless Chromium (Debian's {@code chromium}),
 * also inside it, opens the one-time URL {@code wormholes web} prints (login, cookie, redirect) and
 * renders the page: its DOM holds the node id, the persona, the contact and the DHT verdict and no
 * script; a screenshot is written to {@code node/target/status-page.png}. A URL used once, and the
 * page without one, show nothing of the node.
 */
class StatusPageBrowserTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");

  @RegisterExtension final ClusterExtension it = new ClusterExtension();

  @Test
  void chromiumRendersTheStatusPageThroughTheOneTimeLogin() throws Exception {
    if (!Files.isExecutable(CHROMIUM)) {
      String msg = "STATUS PAGE BROWSER TEST NOT RUN: /usr/bin/chromium is missing (apt-get install chromium)";
      if ("true".equals(String.valueOf(System.getenv("CI")).toLowerCase(Locale.ROOT))) {
        fail(msg + " (CI=true: it must run)");
      }
      System.err.println("!!! " + msg);
      Assumptions.abort(msg);
    }
    Cluster c = it.cluster();
    NodeProcess alice = c.start("alice", 7321).awaitReady();
    NodeProcess bob = c.start("bob", 7322, alice).awaitReady();
    String aliceId = c.cli(alice, "id").ok().out().trim();
    String persona = c.cli(alice, "whoami", "--json").ok().json().get("persona").getAsString();
    String link = c.cli(alice, "invite", "--name", "bob").ok().out().trim();
    eventually("bob accepts", Duration.ofSeconds(60), Duration.ofSeconds(2),
        () -> c.cli(bob, "accept", link, "--name", "alice"), r -> r.exit() == 0);

    Path home = Files.createTempDirectory("wh-it-chromium");
    try {
      browse(c, alice, home, aliceId, persona);
    } finally {
      try (var files = Files.walk(home)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void browse(Cluster c, NodeProcess alice, Path home, String aliceId, String persona) throws Exception {
    String url = c.cli(alice, "web").ok().out().trim();
    assertTrue(url.matches("http://127\\.0\\.0\\.1:[0-9]+/web/login\\?code=[0-9a-f]{64}"), url);
    String dom = chromium(c, home, "dom1", "--dump-dom", url);
    for (String s : new String[] {aliceId, persona, "Reachability and NAT", "Paths to peers", "Routing table:",
        "Healthy: at least k = 20 contacts", "<td>bob</td>", "Dropped and refused input"}) {
      assertTrue(dom.contains(s), "the rendered page lacks " + s + ":\n" + dom);
    }
    assertFalse(dom.toLowerCase(Locale.ROOT).contains("<script"), dom);
    // The same URL a second time: used up, nothing of the node.
    String again = chromium(c, home, "dom2", "--dump-dom", url);
    assertTrue(again.contains("Login link used or expired"), again);
    assertFalse(again.contains(aliceId), again);

    Path shot = Path.of("target/status-page.png").toAbsolutePath();
    Files.deleteIfExists(shot);
    chromium(c, home, "shot", "--window-size=1000,1400", "--screenshot=" + shot, c.cli(alice, "web").ok().out().trim());
    assertTrue(Files.size(shot) > 10_000, "no screenshot written");
    byte[] png = Files.readAllBytes(shot);
    assertEquals((byte) 0x89, png[0]);
    assertEquals('P', png[1]);
  }

  /** Run headless Chromium inside the namespace (its own profile, HOME in a temp dir); return stdout. */
  static String chromium(Cluster c, Path home, String profile, String... args) {
    List<String> cmd = new ArrayList<>(List.of("timeout", "60", CHROMIUM.toString(), "--headless=new",
        "--no-sandbox", "--disable-gpu", "--user-data-dir=" + home.resolve(profile)));
    cmd.addAll(List.of(args));
    Exec.Result r = Exec.runOrKill(c.inNamespace(cmd.toArray(new String[0])), Map.of("HOME", home.toString()), 90);
    if (r.err().contains("Page load failed")) {
      fail("chromium could not load the page: " + r.err());
    }
    return r.out();
  }
}
