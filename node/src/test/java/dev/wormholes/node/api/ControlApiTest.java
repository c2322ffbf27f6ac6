package dev.wormholes.node.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.wormholes.node.NodeConfig;
import dev.wormholes.node.WormholesNode;
import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every control API endpoint, happy and error paths, over real HTTP on loopback. */
class ControlApiTest {
  @TempDir
  static Path tmp;
  static WormholesNode node;
  static WormholesNode peer;
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() {
    peer = WormholesNode.start(NodeConfig.builder().inMemory(true).api(null).lanDiscovery(false)
        .listen(new InetSocketAddress("127.0.4.1", 0)).build());
    node = WormholesNode.start(NodeConfig.builder().dataDir(tmp.resolve("data")).lanDiscovery(false)
        .listen(new InetSocketAddress("127.0.4.2", 0)).bootstrap(peer.udpAddress()).build());
    // Both records published: the peer's reaches the node, so lookups have something to find.
    await().atMost(Duration.ofSeconds(20)).until(() ->
        peer.runtime().presence().join().current() != null && node.runtime().presence().join().current() != null);
  }

  @AfterAll
  static void stop() {
    if (node != null) node.close();
    if (peer != null) peer.close();
  }

  record Res(int status, JsonObject json) {}

  static Res call(WormholesNode n, String method, String path, String body, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.apiAddress().getPort() + path))
        .timeout(Duration.ofSeconds(15))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) b.header("Authorization", "Bearer " + token);
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Res(r.statusCode(), JsonParser.parseString(r.body()).getAsJsonObject());
  }

  static Res call(String method, String path, String body) throws Exception {
    return call(node, method, path, body, node.apiToken());
  }

  static void assertError(Res r, int status, String messagePart) {
    assertEquals(status, r.status(), r.json().toString());
    assertTrue(r.json().get("error").getAsString().contains(messagePart), r.json().toString());
  }

  @Test
  void missingOrWrongTokenIs401() throws Exception {
    assertError(call(node, "GET", "/v1/id", null, null), 401, "token");
    assertError(call(node, "GET", "/v1/status", null, "not-the-token"), 401, "token");
  }

  @Test
  void dataDirFilesMatchTheContract() throws Exception {
    Path d = tmp.resolve("data");
    assertEquals(node.apiToken() + "\n", Files.readString(d.resolve("api.token")));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d.resolve("api.token"))));
    assertEquals("127.0.0.1:" + node.apiAddress().getPort() + "\n", Files.readString(d.resolve("api.port")));
    assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(d.resolve("wormholed.pid")));
  }

  @Test
  void idStatusAndPeers() throws Exception {
    Res id = call("GET", "/v1/id", null);
    assertEquals(200, id.status());
    assertEquals(node.id().toString(), id.json().get("id").getAsString());
    assertEquals(64, id.json().get("publicKey").getAsString().length());

    Res st = call("GET", "/v1/status", null);
    assertEquals(200, st.status());
    assertEquals(node.id().toString(), st.json().get("id").getAsString());
    assertEquals(ApiJson.address(node.udpAddress()), st.json().get("listen").getAsString());
    assertEquals("127.0.0.1:" + node.apiAddress().getPort(), st.json().get("api").getAsString());
    assertTrue(st.json().get("observed").isJsonArray());
    assertEquals(1, st.json().get("peers").getAsInt());
    for (String f : new String[] {"records", "uptimeSeconds", "dropped"}) {
      assertTrue(st.json().get(f).getAsLong() >= 0, f);
    }

    Res peers = call("GET", "/v1/peers", null);
    assertEquals(200, peers.status());
    JsonObject p = peers.json().getAsJsonArray("peers").get(0).getAsJsonObject();
    assertEquals(peer.id().toString(), p.get("id").getAsString());
    assertEquals(ApiJson.address(peer.udpAddress()), p.get("address").getAsString());
  }

  @Test
  void dropsListEveryStageWithChannels() throws Exception {
    Res r = call("GET", "/v1/drops", null);
    assertEquals(200, r.status());
    for (String stage : new String[] {"runtime", "dht", "nat", "quic", "streams", "whispers", "channels"}) {
      assertTrue(r.json().has(stage) && r.json().get(stage).isJsonObject(), stage + " in " + r.json());
    }
    assertTrue(r.json().get("total").getAsLong() >= 0, r.json().toString());
  }

  @Test
  void lookup() throws Exception {
    Res r = call("GET", "/v1/lookup/" + peer.id(), null);
    assertEquals(200, r.status(), r.json().toString());
    assertEquals(peer.id().toString(), r.json().get("id").getAsString());
    assertTrue(r.json().get("seq").getAsLong() >= 1);
    assertTrue(r.json().get("expiresAt").getAsString().endsWith("Z"));
    JsonObject ep = r.json().getAsJsonArray("endpoints").get(0).getAsJsonObject();
    assertEquals("LAN", ep.get("kind").getAsString());
    assertEquals(ApiJson.address(peer.udpAddress()), ep.get("address").getAsString());
    assertTrue(r.json().get("nat").isJsonObject());

    assertError(call("GET", "/v1/lookup/not-an-id", null), 400, "not a node id: not-an-id");
    NodeId nobody = NodeId.of(new byte[32]);
    assertError(call("GET", "/v1/lookup/" + nobody, null), 404, "no presence record");
  }

  @Test
  void putAndGetImmutable() throws Exception {
    Res put = call("POST", "/v1/put", "{\"value\":\"hello wormholes\"}");
    assertEquals(200, put.status(), put.json().toString());
    assertEquals("immutable", put.json().get("kind").getAsString());
    assertTrue(put.json().get("acks").getAsInt() >= 1);
    String key = put.json().get("key").getAsString();
    Res get = call("GET", "/v1/get/" + key, null);
    assertEquals(200, get.status(), get.json().toString());
    assertEquals("hello wormholes", get.json().get("value").getAsString());
    assertEquals("immutable", get.json().get("kind").getAsString());

    Res bin = call("POST", "/v1/put", "{\"valueBase64\":\"/wA=\"}");
    assertEquals(200, bin.status(), bin.json().toString());
    Res binGet = call("GET", "/v1/get/" + bin.json().get("key").getAsString(), null);
    assertEquals("/wA=", binGet.json().get("valueBase64").getAsString());
    assertTrue(!binGet.json().has("value"), "bytes that are not UTF-8 have no text form");
  }

  @Test
  void putAndGetMutableWithIncreasingSeq() throws Exception {
    Res first = call("POST", "/v1/put", "{\"value\":\"v1\",\"mutable\":true,\"salt\":\"apitest\"}");
    assertEquals(200, first.status(), first.json().toString());
    assertEquals("mutable", first.json().get("kind").getAsString());
    long seq = first.json().get("seq").getAsLong();
    Res second = call("POST", "/v1/put", "{\"value\":\"v2\",\"mutable\":true,\"salt\":\"apitest\"}");
    assertEquals(seq + 1, second.json().get("seq").getAsLong(), second.json().toString());
    assertEquals(first.json().get("key"), second.json().get("key"));
    assertError(call("POST", "/v1/put", "{\"value\":\"old\",\"mutable\":true,\"salt\":\"apitest\",\"seq\":1}"),
        400, "not newer");
    Res get = call("GET", "/v1/get/" + second.json().get("key").getAsString(), null);
    assertEquals(200, get.status());
    assertEquals("v2", get.json().get("value").getAsString());
    assertEquals(seq + 1, get.json().get("seq").getAsLong());
    assertEquals(64, get.json().get("publicKey").getAsString().length());
  }

  @Test
  void badPutsAndGets() throws Exception {
    assertError(call("POST", "/v1/put", "{\"value\":\"" + "x".repeat(1001) + "\"}"), 413,
        "value is 1001 bytes; the limit is 1000");
    assertError(call("POST", "/v1/put", "{\"value\":\"" + "x".repeat(20_000) + "\"}"), 413, "larger than");
    // A client still sending a large body must read the 413, not a connection reset.
    for (int i = 0; i < 10; i++) {
      assertError(call("POST", "/v1/put", "{\"value\":\"" + "x".repeat(512 * 1024) + "\"}"), 413, "larger than");
    }
    assertError(call("POST", "/v1/put", "not json"), 400, "not a JSON object");
    assertError(call("POST", "/v1/put", "{}"), 400, "value");
    assertError(call("POST", "/v1/put", "{\"value\":\"x\",\"mutable\":\"yes\"}"), 400, "mutable");
    assertError(call("GET", "/v1/get/zzz", null), 400, "not a node id: zzz");
    assertError(call("GET", "/v1/get/" + NodeId.of(new byte[32]), null), 404, "no value found");
    assertError(call("GET", "/v1/nothing", null), 404, "no such endpoint");
  }

  @Test
  void noPeersIs503AndTimeoutsAre504() throws Exception {
    try (WormholesNode alone = WormholesNode.start(NodeConfig.builder().inMemory(true).lanDiscovery(false)
        .listen(new InetSocketAddress("127.0.4.3", 0)).build())) {
      assertError(call(alone, "POST", "/v1/put", "{\"value\":\"x\"}", alone.apiToken()), 503, "no peers");
      assertError(call(alone, "GET", "/v1/lookup/" + peer.id(), null, alone.apiToken()), 503, "no peers");
    }
    // A node whose only contact never answers: its lookups outlive a 300 ms API timeout (no id
    // work, so that the made-up contact is taken).
    try (java.net.DatagramSocket silent = new java.net.DatagramSocket(new InetSocketAddress("127.0.4.7", 0));
         WormholesNode impatient = WormholesNode.start(NodeConfig.builder().inMemory(true).lanDiscovery(false)
             .listen(new InetSocketAddress("127.0.4.4", 0)).queryTimeoutMillis(300).idWorkBits(0).build())) {
      dev.wormholes.dht.Contact mute = new dev.wormholes.dht.Contact(NodeId.of(new byte[] {
          1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}),
          (InetSocketAddress) silent.getLocalSocketAddress());
      impatient.runtime().call((e, now) -> {
        e.addContact(mute, now);
        return null;
      }).join();
      assertError(call(impatient, "GET", "/v1/lookup/" + NodeId.of(new byte[32]), null, impatient.apiToken()), 504, "in time");
    }
  }

  @Test
  void refusesToListenOffLoopback() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WormholesNode.start(
        NodeConfig.builder().inMemory(true).lanDiscovery(false).listen(new InetSocketAddress("127.0.4.6", 0))
            .api(new InetSocketAddress("0.0.0.0", 0)).build()));
    assertTrue(e.getMessage().contains("loopback only"), e.getMessage());
  }

  @Test
  void shutdownAnswersThenRequestsShutdown() throws Exception {
    try (WormholesNode n = WormholesNode.start(NodeConfig.builder().inMemory(true).lanDiscovery(false)
        .listen(new InetSocketAddress("127.0.4.5", 0)).build())) {
      Res r = call(n, "POST", "/v1/shutdown", null, n.apiToken());
      assertEquals(200, r.status());
      assertTrue(r.json().get("ok").getAsBoolean());
      n.shutdownRequested().get(5, java.util.concurrent.TimeUnit.SECONDS);
    }
  }
}
