package dev.wormholes.node.metrics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.node.NodeConfig;
import dev.wormholes.node.WormholesNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two in-process nodes on loopback (LAN discovery and port mapping off), the second with {@code
 * metrics(127.0.0.1:0)}: {@code GET /metrics} over a real socket, parsed by Python's {@code
 * prometheus_client} parser (Debian's python3-prometheus-client), shows the named families with
 * sane values: DHT, datagrams, paths, round trips, NAT, stream bytes by kind, queue depths, store
 * commits.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MetricsEndpointTest {
  /** Debian's interpreter, where python3-prometheus-client installs. */
  private static final String PYTHON = "/usr/bin/python3";

  @TempDir Path tmp;
  private WormholesNode a;
  private WormholesNode b;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** One parsed sample. */
  record Sample(String family, String type, String name, String labels, double value) {}

  @BeforeEach
  void start() {
    a = WormholesNode.start(config("a").build());
    b = WormholesNode.start(config("b").bootstrap(a.udpAddress())
        .metrics(new InetSocketAddress("127.0.0.1", 0)).build());
  }

  private NodeConfig.Builder config(String name) {
    return NodeConfig.builder().dataDir(tmp.resolve(name)).listen(new InetSocketAddress("127.0.0.1", 0))
        .api(null).lanDiscovery(false).portMapping(false).streams(true);
  }

  @AfterEach
  void stop() {
    if (b != null) b.close();
    if (a != null) a.close();
  }

  @Test
  void prometheusParsesTheEndpointAndTheCountersAreTheNodes() throws Exception {
    assertNull(a.metricsAddress(), "metrics are off unless asked for");
    // b finds a's presence record (DHT lookups), then pings it (a live path).
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
        .until(() -> !b.streams().dialer().paths().presence(a.id()).get(5, TimeUnit.SECONDS)
            .getEndpointsList().isEmpty());
    b.streams().ping(a.id(), 1, false).get(30, TimeUnit.SECONDS);

    HttpResponse<String> r = get("/metrics");
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
    List<Sample> samples = parse(r.body());

    assertTrue(value(samples, "wormholes_udp_datagrams_received_total", "") > 0);
    assertTrue(value(samples, "wormholes_udp_datagrams_sent_total", "") > 0);
    assertEquals("counter", family(samples, "wormholes_udp_datagrams_received").type());
    assertTrue(value(samples, "wormholes_dht_lookups_started_total", "") >= 1, "joining runs a lookup");
    assertTrue(value(samples, "wormholes_dht_requests_sent_total", "") >= 1);
    assertTrue(value(samples, "wormholes_dht_contacts", "") >= 1, "b knows a");
    assertEquals("gauge", family(samples, "wormholes_dht_contacts").type());
    assertEquals(0, value(samples, "wormholes_dht_handler_errors_total", ""));
    assertEquals(0, value(samples, "wormholes_datagrams_dropped_total", "reason=rate_limited,stage=runtime"));
    assertEquals(0, value(samples, "wormholes_datagrams_dropped_total", "reason=malformed,stage=dht"));
    double paths = samples.stream().filter(s -> s.name().equals("wormholes_paths")).mapToDouble(Sample::value).sum();
    assertTrue(paths >= 1, "the ping left a live path to a: " + samples.stream()
        .filter(s -> s.name().equals("wormholes_paths")).toList());
    assertEquals(6, samples.stream().filter(s -> s.name().equals("wormholes_paths")).count(), "one per path kind");
    assertEquals(0, value(samples, "wormholes_relay_circuits", ""));
    // The ping's round trip, in the histogram of its path's kind.
    assertEquals("histogram", family(samples, "wormholes_path_rtt_seconds").type());
    assertEquals(1, sum(samples, "wormholes_path_rtt_seconds_count"), "one ping, one round trip");
    assertEquals(6, samples.stream().filter(s -> s.name().equals("wormholes_path_rtt_seconds_bucket")
        && s.labels().contains("le=+Inf")).count(), "one histogram per path kind");
    assertTrue(sum(samples, "wormholes_path_rtt_seconds_sum") > 0);
    // The ping's stream: its bytes both ways under its kind; the queues at rest.
    assertEquals("counter", family(samples, "wormholes_stream_bytes").type());
    assertTrue(value(samples, "wormholes_stream_bytes_total", "direction=out,kind=wh-ping") > 0);
    assertTrue(value(samples, "wormholes_stream_bytes_total", "direction=in,kind=wh-ping") > 0);
    assertEquals("gauge", family(samples, "wormholes_queue_depth").type());
    assertTrue(value(samples, "wormholes_queue_depth", "queue=event_loop") >= 0);
    assertTrue(value(samples, "wormholes_queue_depth", "queue=store_writer") >= 0);
    assertEquals(0, value(samples, "wormholes_queue_depth", "queue=whisper_outbox"));
    assertEquals(0, value(samples, "wormholes_queue_depth", "queue=channel_exchanges"));
    assertEquals("counter", family(samples, "wormholes_nat_refused").type());
    assertEquals(0, value(samples, "wormholes_nat_refused_total", "reason=malformed"));
    for (Sample s : samples) {
      assertTrue(s.value() >= 0 && Double.isFinite(s.value()), "every wormholes meter counts something: " + s);
    }

    // The meters read the node's own counters: a bootstrap round shows in the next scrape.
    double requests = value(samples, "wormholes_dht_requests_sent_total", "");
    b.runtime().call((e, now) -> e.bootstrap(List.of(a.udpAddress()), now)).get(5, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
        .until(() -> value(parse(get("/metrics").body()), "wormholes_dht_requests_sent_total", "") > requests);

    // b stores a's presence record: its LMDB commits show in the commit histogram.
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
        .until(() -> sum(parse(get("/metrics").body()), "wormholes_store_commit_seconds_count") >= 1);
    List<Sample> later = parse(get("/metrics").body());
    assertEquals("histogram", family(later, "wormholes_store_commit_seconds").type());
    assertTrue(value(later, "wormholes_store_commit_seconds_bucket", "le=+Inf")
        == value(later, "wormholes_store_commit_seconds_count", ""), "every commit falls in a bucket");

    // A whisper to a node nobody can reach waits in the outbox: the queue's depth shows it.
    String nobody = dev.wormholes.proto.NodeId.ofWords(1, 2, 3, 4).toString();
    assertEquals("queued", b.streams().whispers().whisper(nobody, "anyone there?").get(30, TimeUnit.SECONDS)
        .get("state").getAsString());
    assertEquals(1, value(parse(get("/metrics").body()), "wormholes_queue_depth", "queue=whisper_outbox"));

    assertEquals(404, get("/v1/status").statusCode(), "the listener serves metrics only");
  }

  @Test
  void aNonLoopbackAddressIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MetricsServer.start(new InetSocketAddress("0.0.0.0", 0), null));
    assertTrue(e.getMessage().contains("loopback only"), e.getMessage());
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    InetSocketAddress m = b.metricsAddress();
    URI uri = URI.create("http://127.0.0.1:" + m.getPort() + path);
    return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static Sample family(List<Sample> samples, String family) {
    return samples.stream().filter(s -> s.family().equals(family)).findFirst()
        .orElseThrow(() -> new AssertionError("no family " + family));
  }

  private static double sum(List<Sample> samples, String name) {
    return samples.stream().filter(s -> s.name().equals(name)).mapToDouble(Sample::value).sum();
  }

  private static double value(List<Sample> samples, String name, String labels) {
    return samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(labels)).findFirst()
        .orElseThrow(() -> new AssertionError("no sample " + name + "{" + labels + "}")).value();
  }

  /** Run the Prometheus parser on {@code text}; fail with its message if it refuses the text. */
  private List<Sample> parse(String text) throws Exception {
    Path script = tmp.resolve("parse_metrics.py");
    try (var in = MetricsEndpointTest.class.getResourceAsStream("/metrics/parse_metrics.py")) {
      Files.write(script, in.readAllBytes());
    }
    Process p = new ProcessBuilder(PYTHON, script.toString()).redirectErrorStream(false).start();
    try (var out = p.getOutputStream()) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the parser finished");
    assertEquals(0, p.exitValue(), "the Prometheus parser refused the text: " + stderr + "\n" + text);
    List<Sample> samples = new ArrayList<>();
    for (String line : stdout.split("\n")) {
      if (line.isEmpty()) continue;
      String[] f = line.split("\t", -1);
      samples.add(new Sample(f[0], f[1], f[2], f[3], Double.parseDouble(f[4])));
    }
    assertTrue(samples.size() > 20, "parsed " + samples.size() + " samples");
    return samples;
  }
}
