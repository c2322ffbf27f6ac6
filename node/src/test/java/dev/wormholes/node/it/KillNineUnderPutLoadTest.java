package dev.wormholes.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.node.store.LmdbNodeStore;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.wire.StoredValue;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code kill -9} of a {@code wormholed} 20 times while a client PUTs values to it without pause,
 * and once more at the end: its LMDB store, opened by the test afterwards, holds every value the
 * node acknowledged in any of its lives (a PUT is acknowledged only once its group commit is
 * durable).
 */
@Tag("exclusive") // runs alone (node/pom.xml): 21 daemon starts under its own put load
class KillNineUnderPutLoadTest {
  static final int KILLS = 20;
  static final int PORT = 7301;

  @RegisterExtension final ClusterExtension it = new ClusterExtension();

  @Test
  void noAcknowledgedValueIsLostAcross20Kills() throws Exception {
    long seed = System.nanoTime();
    System.out.println("KillNineUnderPutLoadTest seed " + seed);
    SplittableRandom random = new SplittableRandom(seed);
    Cluster c = it.cluster();
    c.addJavaOpts("-XX:TieredStopAtLevel=1 -Xss512k"); // 21 daemon starts: start-up time is what counts
    String prefix = "kill9-" + seed;
    NodeProcess x = c.start("x", PORT).awaitReady();
    Set<Long> acked = ConcurrentHashMap.newKeySet();
    long t0 = System.nanoTime();
    Process client = DhtLoadClient.process(c, "put", "127.0.0.1:" + PORT, "127.0.0.2", prefix, "400", "600").start();
    Thread reader = readAcks(client, acked);
    try {
      for (int kill = 0; kill < KILLS; kill++) {
        int before = acked.size();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (acked.size() < before + 40 && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        assertTrue(acked.size() >= before + 40, "life " + kill + " acknowledged only " + (acked.size() - before));
        Thread.sleep(random.nextInt(150)); // kill at a moment unrelated to any commit
        x.kill9();
        x = c.restart(x, PORT).awaitReady();
      }
      int last = acked.size();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (acked.size() < last + 40 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
    } finally {
      client.getOutputStream().close(); // the client stops at end of stdin
      client.waitFor(10, TimeUnit.SECONDS);
      client.destroyForcibly();
      reader.join(5_000);
    }
    System.out.printf("[it] %d kills under PUT load in %.1f s: %d values acknowledged%n", KILLS,
        (System.nanoTime() - t0) / 1e9, acked.size());

    x.kill9(); // the last life's acknowledgements must survive a kill too
    List<Long> lost = new ArrayList<>();
    try (LmdbNodeStore store = LmdbNodeStore.open(x.dataDir().resolve("db"))) {
      for (long i : acked) {
        StoredValue v = DhtLoadClient.value(prefix, i);
        if (!v.equals(store.values().get(DhtValues.keyOf(v).orElseThrow()))) {
          lost.add(i);
        }
      }
    }
    lost.sort(null);
    assertEquals(List.of(), lost, "acknowledged values the node lost across " + (KILLS + 1) + " kills");
  }

  private static Thread readAcks(Process client, Set<Long> acked) {
    Thread t = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))) {
        for (String l = in.readLine(); l != null; l = in.readLine()) {
          if (l.startsWith("ACK ")) acked.add(Long.parseLong(l.substring(4)));
        }
      } catch (IOException e) {
        // the client ended
      }
    }, "acks");
    t.setDaemon(true);
    t.start();
    return t;
  }

}
