package dev.wormholes.node.it;

import static dev.wormholes.node.it.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One source floods a {@code wormholed} with PUTs of fresh values (many source ports of one IP,
 * faster than its per-IP limit lets through); meanwhile DHT requests from another client and a
 * stream's round trips ({@code wormholes ping} from another node, QUIC) keep their median latency
 * within 3x of the same measurement without the flood, taken first in the same run. Value writes
 * are group commits on a writer thread, so the event loop never waits for the disk.
 */
@Tag("exclusive") // runs alone (node/pom.xml): latency ratios under its own flood
class PutFloodStallTest {
  static final Duration CONVERGE = Duration.ofSeconds(60);
  static final double MAX_RATIO = 3.0;
  static final int PROBES = 150;

  @RegisterExtension final ClusterExtension it = new ClusterExtension();

  /** Latencies of one phase: DHT GET round trips and stream round trips, in microseconds. */
  record Phase(List<Long> dht, List<Long> stream) {
    long dhtMedian() {
      return median(dht);
    }

    long streamMedian() {
      return median(stream);
    }
  }

  @Test
  void lookupsAndAStreamKeepTheirLatencyDuringAPutFlood() throws Exception {
    Cluster c = it.cluster();
    NodeProcess a = c.start("a", 7401).awaitReady();
    NodeProcess b = c.start("b", 7402, a).awaitReady();
    String aId = c.cli(a, "id").ok().out().trim();
    eventually("b pings a", CONVERGE, () -> c.cli(b, "ping", aId, "--count", "1"), r -> r.exit() == 0);

    Phase quiet = measure(c, b, aId);
    Process flood = DhtLoadClient.process(c, "flood", "127.0.0.1:7401", "127.0.0.2", "64", "2500", "40").start();
    Phase loud;
    String floodResult;
    try {
      Thread.sleep(1500); // the flood is under way (and past the per-IP burst)
      loud = measure(c, b, aId);
    } finally {
      floodResult = new String(flood.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      flood.waitFor(60, TimeUnit.SECONDS);
      flood.destroyForcibly();
    }
    long records = c.cli(a, "status", "--json").json().get("records").getAsLong();
    double dhtRatio = (double) loud.dhtMedian() / quiet.dhtMedian();
    double streamRatio = (double) loud.streamMedian() / quiet.streamMedian();
    System.out.printf("[it] PUT flood (%s; a holds %d records): DHT GET median %d us quiet, %d us flooded (x%.2f),"
            + " p99 %d / %d us; stream rtt median %d us quiet, %d us flooded (x%.2f), p99 %d / %d us%n",
        floodResult, records, quiet.dhtMedian(), loud.dhtMedian(), dhtRatio, p99(quiet.dht()), p99(loud.dht()),
        quiet.streamMedian(), loud.streamMedian(), streamRatio, p99(quiet.stream()), p99(loud.stream()));
    assertTrue(records > 1000, "the flood stored values: " + records);
    assertTrue(dhtRatio <= MAX_RATIO, "DHT latency under the flood: x" + dhtRatio);
    assertTrue(streamRatio <= MAX_RATIO, "stream latency under the flood: x" + streamRatio);
  }

  // DHT GETs to a from another client and a ping stream from b, at the same time.
  private static Phase measure(Cluster c, NodeProcess b, String aId) throws Exception {
    CompletableFuture<List<Long>> dht = CompletableFuture.supplyAsync(() -> probe(c));
    List<Long> stream = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      CliResult r = c.cli(b, "ping", aId, "--count", "20");
      assertEquals(0, r.exit(), r.describe());
      r.out().lines().filter(l -> l.startsWith("rtt ")).forEach(l ->
          stream.add(Math.round(Double.parseDouble(l.substring(4).replace(" ms", "").strip()) * 1000)));
    }
    return new Phase(dht.join(), stream);
  }

  private static List<Long> probe(Cluster c) {
    try {
      Process p = DhtLoadClient.process(c, "probe", "127.0.0.1:7401", "127.0.0.3", String.valueOf(PROBES), "20").start();
      List<Long> rtts = new ArrayList<>();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(60, TimeUnit.SECONDS);
      out.lines().filter(l -> l.startsWith("RTT ")).forEach(l -> rtts.add(Long.parseLong(l.substring(4))));
      assertTrue(rtts.size() >= PROBES / 2, "DHT probes answered: " + rtts.size() + "/" + PROBES + "\n" + out);
      return rtts;
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static long median(List<Long> xs) {
    List<Long> s = new ArrayList<>(xs);
    s.sort(null);
    return s.get(s.size() / 2);
  }

  static long p99(List<Long> xs) {
    List<Long> s = new ArrayList<>(xs);
    s.sort(null);
    return s.get(Math.min(s.size() - 1, (int) Math.ceil(s.size() * 0.99) - 1));
  }
}
