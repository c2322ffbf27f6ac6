package dev.wormholes.node.runtime;

import dev.wormholes.dht.QueryResult;
import dev.wormholes.node.WormholesNode;
import dev.wormholes.proto.wire.Packet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Lookup time on a loopback network of real nodes, against the time the same network needs for
 * one UDP round trip: ratio = lookup time / (RTT x (hops + 1)). RTT is the median of DHT pings
 * from a plain UDP socket to random nodes, measured in the same run; lookups are GETs of random
 * nodes' presence records from random nodes, one at a time (ratios over the lookups that found
 * the record). Run: see node/README.md.
 */
public final class LoopbackLookupBenchmark {
  private LoopbackLookupBenchmark() {}

  /** Args: [nodes (default 200)] [lookups (default 300)]. */
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int lookups = args.length > 1 ? Integer.parseInt(args[1]) : 300;
    long seed = 2026;
    System.out.printf("LoopbackLookupBenchmark: %d nodes, %d lookups, seed %d%n", n, lookups, seed);
    SplittableRandom r = new SplittableRandom(seed);
    long t0 = System.nanoTime();
    try (LoopbackNetwork net = LoopbackNetwork.start(n, 2, 100)) {
      System.out.printf("  started in %.1f s%n", (System.nanoTime() - t0) / 1e9);
      awaitPublished(net);
      System.out.printf("  all %d presence records published, every node has >= 3 contacts, after %.1f s%n",
          n, (System.nanoTime() - t0) / 1e9);
      double rtt = rttMillis(net, r, 400);
      double[] ms = new double[lookups];
      double[] hops = new double[lookups];
      double[] ratio = new double[lookups];
      double[] sent = new double[lookups];
      double[] answers = new double[lookups];
      int found = 0;
      long[] before = totals(net);
      for (int i = 0; i < lookups; i++) {
        WormholesNode asker = net.node(r.nextInt(n));
        WormholesNode target = net.node(r.nextInt(n));
        if (asker == target) {
          i--;
          continue;
        }
        long start = System.nanoTime();
        QueryResult res = asker.runtime().query((e, now) -> e.get(target.id(), now)).join();
        ms[i] = (System.nanoTime() - start) / 1e6;
        if (res instanceof QueryResult.Found f) {
          hops[found] = f.stats().hops();
          sent[found] = f.stats().messagesSent();
          answers[found] = f.stats().responses();
          ratio[found] = ms[i] / (rtt * (hops[found] + 1));
          found++;
        }
      }
      long[] after = totals(net);
      System.out.printf("  per GET, all nodes: %s%n", perGet(before, after, lookups));
      hops = Arrays.copyOf(hops, found);
      ratio = Arrays.copyOf(ratio, found);
      System.out.printf("  found %d/%d records%n", found, lookups);
      System.out.printf("  lookup ms: median %.2f, p90 %.2f; hops: median %.0f, mean %.2f, max %.0f%n",
          pct(ms, 50), pct(ms, 90), pct(hops, 50), mean(hops), pct(hops, 100));
      System.out.printf("  per found GET: requests sent median %.0f (p90 %.0f), answers median %.0f%n",
          pct(Arrays.copyOf(sent, found), 50), pct(Arrays.copyOf(sent, found), 90), pct(Arrays.copyOf(answers, found), 50));
      System.out.printf("RESULT rtt %.3f ms, lookup/(rtt x (hops+1)): median %.1f, mean %.1f, p90 %.1f%n",
          rtt, pct(ratio, 50), mean(ratio), pct(ratio, 90));
    }
  }

  private static void awaitPublished(LoopbackNetwork net) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      long published = net.nodes().stream().filter(x -> x.runtime().presence().join().current() != null).count();
      long lonely = net.nodes().stream().filter(x -> x.runtime().call((e, now) -> e.contactCount()).join() < 3).count();
      if (published == net.nodes().size() && lonely == 0) {
        Thread.sleep(2000); // let the last publications land
        return;
      }
      System.out.printf("  %d published, %d with fewer than 3 contacts%n", published, lonely);
      Thread.sleep(5000);
    }
    throw new IllegalStateException("not every node published within 120 s");
  }

  /** Median round trip of a DHT ping from a plain socket to random nodes, in ms. */
  private static double rttMillis(LoopbackNetwork net, SplittableRandom r, int pings) {
    List<Double> rtts = new ArrayList<>();
    for (int i = 0; i < pings; i++) {
      WormholesNode target = net.node(r.nextInt(net.nodes().size()));
      try (RawPeer peer = new RawPeer("127.0.99.1", target.udpAddress(), r.nextLong())) {
        peer.exchange(peer.ping()); // learn a token so the measured ping is the validated path
        Packet ping = peer.request().setPing(dev.wormholes.proto.wire.Ping.getDefaultInstance()).build();
        long start = System.nanoTime();
        Packet pong = peer.exchange(ping);
        if (pong != null) {
          rtts.add((System.nanoTime() - start) / 1e6);
        }
      }
    }
    double[] a = rtts.stream().mapToDouble(Double::doubleValue).toArray();
    System.out.printf("  ping rtt over %d pings: median %.3f ms, p90 %.3f ms%n", a.length, pct(a, 50), pct(a, 90));
    return pct(a, 50);
  }

  private static final String[] COUNTERS = {"requests in", "key proofs signed", "key proofs verified",
      "cut answers asked again", "ended by quorum", "read repairs"};

  // Node-wide DHT counters summed over the network (the lookups run one at a time, so the
  // difference over the lookup phase is theirs, plus what maintenance sent meanwhile).
  private static long[] totals(LoopbackNetwork net) {
    long[] t = new long[COUNTERS.length];
    for (WormholesNode x : net.nodes()) {
      long[] s = x.runtime().call((e, now) -> new long[] {e.stats().requestsIn(), e.stats().proofsSigned(),
          e.stats().proofsVerified(), e.stats().truncatedRetries(), e.stats().getsEndedByQuorum(),
          e.stats().repairs()}).join();
      for (int i = 0; i < t.length; i++) t[i] += s[i];
    }
    return t;
  }

  private static String perGet(long[] before, long[] after, int lookups) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < COUNTERS.length; i++) {
      b.append(i == 0 ? "" : ", ").append(COUNTERS[i]).append(' ')
          .append(String.format("%.2f", (after[i] - before[i]) / (double) lookups));
    }
    return b.toString();
  }

  private static double pct(double[] a, double p) {
    double[] s = a.clone();
    Arrays.sort(s);
    int i = (int) Math.ceil(p / 100 * s.length) - 1;
    return s[Math.max(0, Math.min(s.length - 1, i))];
  }

  private static double mean(double[] a) {
    return Arrays.stream(a).average().orElse(0);
  }
}
