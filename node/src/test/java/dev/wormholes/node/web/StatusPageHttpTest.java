package dev.wormholes.node.web;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.wormholes.node.NodeConfig;
import dev.wormholes.node.WormholesNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page over real HTTP on two in-process daemons that are each other's contacts: the
 * one-time login, the page's content and headers, refusals without a session, a CSRF token or a
 * loopback Host, and the block form.
 */
class StatusPageHttpTest {
  @TempDir
  static Path tmp;
  static WormholesNode alice;
  static WormholesNode bob;
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
      .followRedirects(HttpClient.Redirect.NEVER).build();

  @BeforeAll
  static void start() throws Exception {
    alice = WormholesNode.start(NodeConfig.builder().dataDir(tmp.resolve("alice")).lanDiscovery(false)
        .listen(new InetSocketAddress("127.0.5.1", 0)).streams(true).build());
    bob = WormholesNode.start(NodeConfig.builder().dataDir(tmp.resolve("bob")).lanDiscovery(false)
        .listen(new InetSocketAddress("127.0.5.2", 0)).bootstrap(alice.udpAddress()).streams(true).build());
    await().atMost(Duration.ofSeconds(30)).until(() ->
        alice.runtime().presence().join().current() != null && bob.runtime().presence().join().current() != null);
    JsonObject invite = api(alice, "POST", "/v1/invite", "{\"name\":\"bob\"}");
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().until(() ->
        api(bob, "POST", "/v1/accept", "{\"link\":\"" + invite.get("link").getAsString() + "\",\"name\":\"alice\"}")
            .has("persona"));
  }

  @AfterAll
  static void stop() {
    if (bob != null) bob.close();
    if (alice != null) alice.close();
  }

  static JsonObject api(WormholesNode n, String method, String path, String body) throws Exception {
    HttpRequest r = HttpRequest.newBuilder(URI.create(base(n) + path)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + n.apiToken())
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build();
    HttpResponse<String> res = HTTP.send(r, HttpResponse.BodyHandlers.ofString());
    JsonObject o = JsonParser.parseString(res.body()).getAsJsonObject();
    if (res.statusCode() != 200) {
      throw new IllegalStateException(res.statusCode() + " " + o);
    }
    return o;
  }

  static String base(WormholesNode n) {
    return "http://127.0.0.1:" + n.apiAddress().getPort();
  }

  static HttpResponse<String> browse(String method, String url, String cookie, String form) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
    if (cookie != null) b.header("Cookie", cookie);
    if (form != null) b.header("Content-Type", "application/x-www-form-urlencoded");
    b.method(method, form == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(form));
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Log in through a fresh one-time URL; return the session cookie ("wh_session=..."). */
  static String login(WormholesNode n) throws Exception {
    String url = api(n, "POST", "/v1/web", "{}").get("url").getAsString();
    assertTrue(url.startsWith(base(n) + "/web/login?code="), url);
    HttpResponse<String> r = browse("GET", url, null, null);
    assertEquals(303, r.statusCode());
    assertEquals("/web/", r.headers().firstValue("Location").orElseThrow());
    String set = r.headers().firstValue("Set-Cookie").orElseThrow();
    assertTrue(set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/web"), set);
    assertEquals(403, browse("GET", url, null, null).statusCode(), "a login URL works once");
    return set.substring(0, set.indexOf(';'));
  }

  static String csrf(String page) {
    Matcher m = Pattern.compile("name=\"csrf\" value=\"([0-9a-f]{64})\"").matcher(page);
    assertTrue(m.find(), page);
    return m.group(1);
  }

  @Test
  void withoutALoginThePageShowsNothingOfTheNode() throws Exception {
    for (String cookie : new String[] {null, "wh_session=" + "0".repeat(64)}) {
      HttpResponse<String> r = browse("GET", base(alice) + "/web/", cookie, null);
      assertEquals(401, r.statusCode());
      assertFalse(r.body().contains(alice.id().toString()), r.body());
      assertTrue(r.body().contains("wormholes web"), r.body());
    }
    assertEquals(403, browse("GET", base(alice) + "/web/login?code=" + "1".repeat(64), null, null).statusCode());
    // The JSON API still wants its token.
    assertEquals(401, browse("GET", base(alice) + "/v1/status", login(alice), null).statusCode());
  }

  @Test
  void thePageShowsTheNodeWithoutAnyScriptAndForbidsScripts() throws Exception {
    String cookie = login(alice);
    HttpResponse<String> r = browse("GET", base(alice) + "/web/", cookie, null);
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("text/html"));
    String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
    assertTrue(csp.contains("default-src 'none'") && !csp.contains("script-src"), csp);
    assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
    String page = r.body();
    assertFalse(page.toLowerCase().contains("<script"), page);
    assertTrue(page.contains("http-equiv=\"refresh\""), page);
    String persona = api(alice, "GET", "/v1/whoami", null).get("persona").getAsString();
    for (String s : new String[] {alice.id().toString(), persona, "Reachability and NAT", "Paths to peers",
        "Routing table: <b>thin</b>, 1 contacts", "Healthy: at least k = 20 contacts", "Contacts", "<td>bob</td>",
        "Services exposed", "Dropped and refused input", "<svg class=\"buckets\""}) {
      assertTrue(page.contains(s), "missing " + s + " in " + page);
    }
    HttpResponse<String> css = browse("GET", base(alice) + "/web/style.css", null, null);
    assertEquals(200, css.statusCode());
    assertTrue(css.headers().firstValue("Content-Type").orElseThrow().startsWith("text/css"));
  }

  @Test
  void theBlockFormNeedsTheCsrfTokenThenBlocksAndUnblocks() throws Exception {
    String cookie = login(alice);
    String token = csrf(browse("GET", base(alice) + "/web/", cookie, null).body());
    assertEquals(403, browse("POST", base(alice) + "/web/contact", cookie, "action=block&name=bob").statusCode());
    assertEquals(403, browse("POST", base(alice) + "/web/contact", cookie,
        "action=block&name=bob&csrf=" + "0".repeat(64)).statusCode());
    assertEquals("accepted", state(alice, "bob"));
    HttpResponse<String> done = browse("POST", base(alice) + "/web/contact", cookie,
        "csrf=" + token + "&action=block&name=" + URLEncoder.encode("bob", StandardCharsets.UTF_8));
    assertEquals(303, done.statusCode(), done.body());
    assertEquals("blocked", state(alice, "bob"));
    String page = browse("GET", base(alice) + "/web/", cookie, null).body();
    assertTrue(page.contains("Contact <b>bob</b> is blocked: blocked by you"), page);
    assertEquals(303, browse("POST", base(alice) + "/web/contact", cookie,
        "csrf=" + token + "&action=unblock&name=bob").statusCode());
    assertEquals("accepted", state(alice, "bob"));
  }

  static String state(WormholesNode n, String petname) throws Exception {
    for (var e : api(n, "GET", "/v1/contacts", null).getAsJsonArray("contacts")) {
      if (e.getAsJsonObject().get("petname").getAsString().equals(petname)) {
        return e.getAsJsonObject().get("state").getAsString();
      }
    }
    return "none";
  }

  @Test
  void aForeignHostOrOriginIsRefused() throws Exception {
    String cookie = login(alice);
    // DNS rebinding: a page of evil.example resolved to 127.0.0.1 sends its own Host.
    assertTrue(raw("GET /web/ HTTP/1.1\r\nHost: evil.example:" + alice.apiAddress().getPort() + "\r\nCookie: "
        + cookie + "\r\nConnection: close\r\n\r\n").startsWith("HTTP/1.1 403"));
    String token = csrf(browse("GET", base(alice) + "/web/", cookie, null).body());
    String form = "csrf=" + token + "&action=block&name=bob";
    assertTrue(raw("POST /web/contact HTTP/1.1\r\nHost: 127.0.0.1:" + alice.apiAddress().getPort()
        + "\r\nOrigin: http://evil.example\r\nCookie: " + cookie + "\r\nContent-Type: application/x-www-form-urlencoded"
        + "\r\nContent-Length: " + form.length() + "\r\nConnection: close\r\n\r\n" + form).startsWith("HTTP/1.1 403"));
    assertEquals("accepted", state(alice, "bob"));
  }

  @Test
  void loggingOutEndsTheSession() throws Exception {
    String cookie = login(alice);
    String token = csrf(browse("GET", base(alice) + "/web/", cookie, null).body());
    assertEquals(303, browse("POST", base(alice) + "/web/logout", cookie, "csrf=" + token).statusCode());
    assertEquals(401, browse("GET", base(alice) + "/web/", cookie, null).statusCode());
  }

  static String raw(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", alice.apiAddress().getPort())) {
      s.setSoTimeout(15_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
