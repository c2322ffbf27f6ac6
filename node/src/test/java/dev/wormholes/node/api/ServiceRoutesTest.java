package dev.wormholes.node.api;

import static dev.wormholes.node.api.ControlApiTest.assertError;
import static dev.wormholes.node.api.ControlApiTest.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.node.NodeConfig;
import dev.wormholes.node.WormholesNode;
import dev.wormholes.node.api.ControlApiTest.Res;
import dev.wormholes.proto.Identity;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exposure endpoints over real HTTP: happy paths, every 400/404/503, and 401 without the token.
 * On the same node, the endpoints that take a person ({@code /v1/whisper "to"}, {@code /v1/encrypt
 * "to"}, {@code /v1/contact "name"}): a person URL reaches them as its PERSON, a malformed one is a
 * 400 that says what is wrong.
 */
class ServiceRoutesTest {
  @TempDir static Path tmp;
  static WormholesNode streams;
  static WormholesNode plain;

  @BeforeAll
  static void start() {
    streams = WormholesNode.start(NodeConfig.builder().dataDir(tmp.resolve("s")).lanDiscovery(false).streams(true)
        .listen(new InetSocketAddress("127.0.4.3", 0)).build());
    plain = WormholesNode.start(NodeConfig.builder().inMemory(true).lanDiscovery(false)
        .listen(new InetSocketAddress("127.0.4.4", 0)).build());
  }

  @AfterAll
  static void stop() {
    if (streams != null) streams.close();
    if (plain != null) plain.close();
  }

  private static Res s(String method, String path, String body) throws Exception {
    return call(streams, method, path, body, streams.apiToken());
  }

  @Test
  void exposeListUnexpose() throws Exception {
    String bob = Identity.fromSeed(new byte[32]).id().toString();
    Res e = s("POST", "/v1/expose", "{\"service\":\"web\",\"target\":\"127.0.0.1:8000\",\"allow\":[\"" + bob + "\"]}");
    assertEquals(200, e.status(), e.json().toString());
    assertEquals("{\"service\":\"web\",\"target\":\"127.0.0.1:8000\",\"allow\":[\"" + bob + "\"],\"public\":false}",
        e.json().toString());
    Res closed = s("POST", "/v1/expose", "{\"service\":\"db\",\"target\":\"127.0.0.1:5432\"}");
    assertEquals("{\"service\":\"db\",\"target\":\"127.0.0.1:5432\",\"allow\":[],\"public\":false}",
        closed.json().toString(), "without \"public\" and \"allow\": nobody may connect");
    Res open = s("POST", "/v1/expose", "{\"service\":\"www\",\"target\":\"127.0.0.1:80\",\"public\":true}");
    assertEquals("{\"service\":\"www\",\"target\":\"127.0.0.1:80\",\"allow\":[],\"public\":true}",
        open.json().toString());
    assertEquals(200, s("POST", "/v1/unexpose", "{\"service\":\"db\"}").status());
    assertEquals(200, s("POST", "/v1/unexpose", "{\"service\":\"www\"}").status());
    Res list = s("GET", "/v1/services", null);
    assertEquals(200, list.status());
    assertTrue(list.json().getAsJsonArray("services").toString().contains("\"service\":\"web\""), list.json().toString());
    assertEquals(200, s("POST", "/v1/unexpose", "{\"service\":\"web\"}").status());
    Res again = s("POST", "/v1/unexpose", "{\"service\":\"web\"}");
    assertEquals(404, again.status());
    assertEquals("service 'web' is not exposed", again.json().get("error").getAsString());
    Res status = s("GET", "/v1/status", null);
    assertEquals("127.0.0.1:" + streams.socksAddress().getPort(), status.json().get("socks").getAsString());
    assertEquals(streams.socksCredentials().password(), status.json().get("socksPassword").getAsString());
    assertEquals("socks5h://wh:" + streams.socksCredentials().password() + "@127.0.0.1:" + streams.socksAddress().getPort(),
        status.json().get("socksUrl").getAsString());
  }

  @Test
  void badRequestsAreRefusedWithOneSentence() throws Exception {
    String[][] cases = {
        {"{\"service\":\"Web\",\"target\":\"127.0.0.1:1\"}", "not a service name"},
        {"{\"service\":\"we b\",\"target\":\"127.0.0.1:1\"}", "not a service name"},
        {"{\"service\":\"web\",\"target\":\"nowhere\"}", "bad target for service web"},
        {"{\"service\":\"web\",\"target\":\"127.0.0.1:0\"}", "port 0"},
        {"{\"service\":\"web\"}", "needs \"target\""},
        {"{\"target\":\"127.0.0.1:1\"}", "needs \"service\""},
        {"{\"service\":\"web\",\"target\":\"127.0.0.1:1\",\"allow\":\"x\"}", "must be an array"},
        {"{\"service\":\"web\",\"target\":\"127.0.0.1:1\",\"allow\":[\"nope\"]}", "not a node id in \"allow\""},
        {"[1]", "not a JSON object"},
        {"{\"service\":\"web\",\"target\":\"127.0.0.1:1\",\"public\":\"yes\"}", "must be true or false"},
        {"{\"service\":\"web\",\"target\":\"127.0.0.1:1\",\"public\":true,\"allow\":[\""
            + Identity.fromSeed(new byte[32]).id() + "\"]}", "either public or has an allow-list"},
    };
    for (String[] c : cases) {
      Res r = s("POST", "/v1/expose", c[0]);
      assertEquals(400, r.status(), c[0]);
      assertTrue(r.json().get("error").getAsString().contains(c[1]), c[0] + " -> " + r.json());
    }
    assertEquals(0, s("GET", "/v1/services", null).json().getAsJsonArray("services").size());
    assertEquals(404, s("GET", "/v1/expose", null).status());
    assertEquals(401, call(streams, "GET", "/v1/services", null, "wrong").status());
  }

  @Test
  void aNodeWithoutStreamsAnswers503() throws Exception {
    Res r = call(plain, "GET", "/v1/services", null, plain.apiToken());
    assertEquals(503, r.status());
    assertEquals("secure streams are off on this node", r.json().get("error").getAsString());
    assertEquals("", call(plain, "GET", "/v1/status", null, plain.apiToken()).json().get("socks").getAsString());
  }

  @Test
  void personUrlsAndPlainServiceAtPersonNameTheirPerson() throws Exception {
    for (String p : new String[] {"wormhole://web@nobody/x", "WORMHOLE://ssh@nobody", "web@nobody", "SSH@nobody"}) {
      assertError(s("POST", "/v1/whisper", "{\"to\":\"" + p + "\",\"text\":\"hi\"}"), 404, "'nobody'");
      assertError(s("POST", "/v1/encrypt", "{\"to\":\"" + p + "\",\"text\":\"hi\"}"), 404, "'nobody'");
      assertError(s("POST", "/v1/contact", "{\"action\":\"block\",\"name\":\"" + p + "\"}"), 404, "'nobody'");
      assertError(s("POST", "/v1/contact", "{\"action\":\"check\",\"name\":\"" + p + "\"}"), 404, "'nobody'");
    }
  }

  @Test
  void malformedPersonUrlsAreA400InWords() throws Exception {
    assertError(s("POST", "/v1/whisper", "{\"to\":\"http://web@alice\",\"text\":\"hi\"}"), 400, "the scheme is 'http'");
    assertError(s("POST", "/v1/whisper", "{\"to\":\"wormhole://alice\",\"text\":\"hi\"}"), 400, "names no service");
    assertError(s("POST", "/v1/encrypt", "{\"to\":\"wormhole://web@\",\"text\":\"hi\"}"), 400, "names no person");
    assertError(s("POST", "/v1/contact", "{\"action\":\"verify\",\"name\":\"wormhole://invite/abc\"}"), 400,
        "give it to wormholes accept");
    assertError(s("POST", "/v1/whisper", "{\"to\":\"web@no_body\",\"text\":\"hi\"}"), 400, "is not a petname");
  }
}
