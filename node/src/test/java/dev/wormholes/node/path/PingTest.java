package dev.wormholes.node.path;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.wormholes.node.NodeConfig;
import dev.wormholes.node.WormholesNode;
import dev.wormholes.node.cli.Wormholes;
import dev.wormholes.proto.NodeId;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wormholes ping} between two in-process daemons on 127.0.0.1: the path is found from the
 * presence record and authenticated, round trips are timed over the node's built-in echo service,
 * the path is kept for the next ping, and mistakes give one line and the right exit code.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PingTest {
  @TempDir Path tmp;
  private WormholesNode a;
  private WormholesNode b;

  @BeforeEach
  void start() {
    a = node("a", null);
    b = node("b", a.udpAddress());
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
        .until(() -> !a.streams().dialer().paths().presence(b.id()).get(5, TimeUnit.SECONDS)
            .getEndpointsList().isEmpty());
  }

  @AfterEach
  void stop() {
    if (b != null) {
      b.close();
    }
    if (a != null) {
      a.close();
    }
  }

  private WormholesNode node(String name, InetSocketAddress seed) {
    NodeConfig.Builder c = NodeConfig.builder().dataDir(tmp.resolve(name))
        .listen(new InetSocketAddress("127.0.0.1", 0)).lanDiscovery(false).streams(true);
    if (seed != null) {
      c.bootstrap(seed);
    }
    return WormholesNode.start(c.build());
  }

  @Test
  void pingFindsTheDirectPathTimesRoundTripsAndKeepsThePath() {
    Cli first = cli("a", "--json", "ping", "--count", "3", b.id().toString());
    assertEquals(0, first.code, first.err);
    JsonObject r = JsonParser.parseString(first.out).getAsJsonObject();
    assertEquals(b.id().toString(), r.get("node").getAsString());
    assertEquals("direct", r.get("path").getAsString(), first.out); // peers see it at its own address: no NAT
    assertEquals("127.0.0.1:" + b.udpAddress().getPort(), r.get("address").getAsString());
    assertFalse(r.get("reused").getAsBoolean());
    JsonArray rtts = r.getAsJsonArray("rtt_ms");
    assertEquals(3, rtts.size());
    rtts.forEach(x -> assertTrue(x.getAsDouble() > 0 && x.getAsDouble() < 5_000, first.out));
    assertTrue(r.get("time_to_path_ms").getAsLong() >= 0);

    Cli again = cli("a", "ping", "--count", "2", b.id().toString());
    assertEquals(0, again.code, again.err);
    assertTrue(again.out.startsWith("path direct 127.0.0.1:" + b.udpAddress().getPort() + " (in use, found in "),
        again.out);
    assertEquals(3, again.out.lines().count(), again.out);
    assertTrue(again.out.lines().skip(1).allMatch(l -> l.matches("rtt \\d+\\.\\d{3} ms")), again.out);

    Cli paths = cli("a", "--json", "ping", "--count", "1", a.id().toString());
    assertEquals(0, paths.code, paths.err);
    assertEquals("self", JsonParser.parseString(paths.out).getAsJsonObject().get("path").getAsString());
  }

  @Test
  void unknownNodeBadCountAndReservedNamesGiveOneLine() {
    NodeId nobody = NodeId.ofWords(1, 2, 3, 4);
    Cli unknown = cli("a", "ping", nobody.toString());
    assertEquals(1, unknown.code, unknown.out + unknown.err);
    assertEquals(1, unknown.err.lines().count(), unknown.err);
    assertTrue(unknown.err.contains("no presence record"), unknown.err);

    Cli count = cli("a", "ping", "--count", "0", b.id().toString());
    assertEquals(2, count.code, count.err);
    Cli reserved = cli("b", "expose", Ping.SERVICE, "127.0.0.1:9");
    assertEquals(2, reserved.code, reserved.err);
    assertTrue(reserved.err.contains("the node's own"), reserved.err);

    Cli still = cli("a", "ping", "--count", "1", b.id().toString());
    assertEquals(0, still.code, still.err);
  }

  @Test
  void aRelayedPathThatCannotBeMadeIs504WithTheReason() throws Exception {
    // b is public on loopback: its record lists no relay, so no relayed path to it can be made.
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + a.apiAddress().getPort() + "/v1/ping"))
        .header("Authorization", "Bearer " + a.apiToken()).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString("{\"node\":\"" + b.id() + "\",\"relay\":true,\"count\":1}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(504, r.statusCode(), r.body());
    String error = JsonParser.parseString(r.body()).getAsJsonObject().get("error").getAsString();
    assertEquals("no relayed path to node " + b.id() + " could be made: node " + b.id() + " lists no relay", error);

    Cli cli = cli("a", "ping", "--relay", "--count", "1", b.id().toString());
    assertEquals(1, cli.code, cli.out + cli.err);
    assertTrue(cli.err.contains("no relayed path to node"), cli.err);
  }

  private record Cli(int code, String out, String err) {}

  private Cli cli(String node, String... args) {
    String[] full = new String[args.length + 2];
    full[0] = "--data";
    full[1] = tmp.resolve(node).toString();
    System.arraycopy(args, 0, full, 2, args.length);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Wormholes.execute(full, new PrintStream(out, true), new PrintStream(err, true),
        new ByteArrayInputStream(new byte[0]));
    return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
