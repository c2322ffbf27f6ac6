package dev.wormholes.node.people;

import dev.wormholes.dht.QueryResult;
import dev.wormholes.node.NodeConfig;
import dev.wormholes.node.WormholesNode;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An invite by link end to end against a plain lookup, on loopback daemons in one process, in the
 * same run: the plain lookup is the acceptor's DHT GET of the inviter's presence record; the invite
 * is {@code invite} on the inviter to {@code accept} returning on the acceptor (a stream opened,
 * the handshake, both sides accepted contacts, persisted). Cold: each of the fresh acceptors'
 * first accept (a new connection); warm: further accepts from an acceptor already connected. Prints
 * medians and the ratios invite / lookup. Run: see node/README.md ("Benchmarks").
 */
public final class InviteLookupBenchmark {
  private InviteLookupBenchmark() {}

  /** Args: [DHT nodes (default 16)] [acceptors (default 5)] [warm invites per acceptor (default 4)]. */
  public static void main(String[] args) throws Exception {
    int dhtNodes = args.length > 0 ? Integer.parseInt(args[0]) : 16;
    int acceptors = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int warm = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    Path dir = Files.createTempDirectory("invite-bench");
    List<WormholesNode> nodes = new ArrayList<>();
    System.out.printf("InviteLookupBenchmark: %d DHT nodes, %d acceptors, %d warm invites each%n", dhtNodes, acceptors, warm);
    try {
      WormholesNode seed = start(nodes, dir, "seed", "127.0.77.1", null, false);
      for (int i = 0; i < dhtNodes; i++) {
        start(nodes, dir, "dht" + i, "127.0.77." + (10 + i), seed, false);
      }
      WormholesNode alice = start(nodes, dir, "alice", "127.0.78.1", seed, true);
      List<WormholesNode> bobs = new ArrayList<>();
      for (int i = 0; i < acceptors; i++) {
        bobs.add(start(nodes, dir, "bob" + i, "127.0.78." + (10 + i), seed, true));
      }
      awaitPublished(nodes);
      List<Double> lookups = new ArrayList<>();
      List<Double> cold = new ArrayList<>();
      List<Double> warmed = new ArrayList<>();
      for (WormholesNode bob : bobs) {
        for (int round = 0; round <= warm; round++) {
          long t0 = System.nanoTime();
          QueryResult r = bob.runtime().query((e, now) -> e.get(alice.id(), now)).get(30, TimeUnit.SECONDS);
          double lookup = (System.nanoTime() - t0) / 1e6;
          if (r instanceof QueryResult.Found) {
            lookups.add(lookup);
          }
          t0 = System.nanoTime();
          String link = alice.streams().people().invite("", 3600).get("link").getAsString();
          bob.streams().people().accept(link, "alice").get(30, TimeUnit.SECONDS);
          (round == 0 ? cold : warmed).add((System.nanoTime() - t0) / 1e6);
        }
      }
      double l = median(lookups);
      double c = median(cold);
      double w = median(warmed);
      System.out.printf("  plain lookup (GET of the inviter's record): median %.1f ms over %d found%n", l, lookups.size());
      System.out.printf("  invite by link, cold (first accept, a new connection): median %.1f ms over %d%n", c, cold.size());
      System.out.printf("  invite by link, warm (connected already): median %.1f ms over %d%n", w, warmed.size());
      System.out.printf("RESULT invite/lookup: cold %.1f, warm %.1f%n", c / l, w / l);
    } finally {
      for (int i = nodes.size() - 1; i >= 0; i--) {
        nodes.get(i).close();
      }
      try (var walk = Files.walk(dir)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static WormholesNode start(List<WormholesNode> nodes, Path dir, String name, String ip,
      WormholesNode seed, boolean streams) {
    NodeConfig.Builder b = NodeConfig.builder().dataDir(dir.resolve(name)).lanDiscovery(false)
        .listen(new InetSocketAddress(ip, 0)).api(null).streams(streams);
    if (seed != null) {
      b.bootstrap(seed.udpAddress());
    }
    WormholesNode n = WormholesNode.start(b.build());
    nodes.add(n);
    return n;
  }

  private static void awaitPublished(List<WormholesNode> nodes) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      if (nodes.stream().allMatch(n -> n.runtime().presence().join().current() != null)) {
        Thread.sleep(2000); // let the last publications land
        return;
      }
      Thread.sleep(1000);
    }
    throw new IllegalStateException("not every node published its record within 120 s");
  }

  private static double median(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a.length == 0 ? Double.NaN : a[(a.length - 1) / 2];
  }
}
