package dev.wormholes.onion.circuit;

import dev.wormholes.onion.cell.RelayMessageCodec;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;

/**
 * Circuit build time and per-cell throughput of the engines in {@link OnionNet} (every engine on
 * this one thread, no link latency): a 3-hop circuit against a 1-hop circuit in the same run. CPU
 * time of the thread, best of the measured rounds after warm-up. Argument: measured rounds
 * (default 5).
 */
public final class OnionEngineBenchmark {
  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
  private static final int BUILDS = 20;
  private static final int MIB = 4;

  private OnionEngineBenchmark() {}

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    double[] build = new double[4];
    double[] up = new double[4];
    double[] down = new double[4];
    for (int hops : new int[] {1, 3}) {
      double bestBuild = Double.MAX_VALUE;
      double bestUp = Double.MAX_VALUE;
      double bestDown = Double.MAX_VALUE;
      for (int round = 0; round < 3 + rounds; round++) {
        double[] r = round(hops, round);
        if (round >= 3) {
          bestBuild = Math.min(bestBuild, r[0]);
          bestUp = Math.min(bestUp, r[1]);
          bestDown = Math.min(bestDown, r[2]);
        }
      }
      build[hops] = bestBuild;
      up[hops] = bestUp;
      down[hops] = bestDown;
      System.out.printf("%d hop(s): build %.0f us, outbound %.2f us/cell, inbound %.2f us/cell%n",
          hops, bestBuild / 1e3, bestUp / 1e3, bestDown / 1e3);
    }
    System.out.printf("ratios 3-hop / 1-hop: build %.2f, outbound per cell %.2f, inbound per cell %.2f%n",
        build[3] / build[1], up[3] / up[1], down[3] / down[1]);
  }

  /** Return CPU ns per build, per outbound cell, per inbound cell (all engines together). */
  private static double[] round(int hops, long seed) {
    OnionNet net = new OnionNet(hops + 1, seed, 0, OnionConfig.defaults());
    int[] path = new int[hops];
    for (int i = 0; i < hops; i++) {
      path[i] = i + 1;
    }
    long t0 = CPU.getCurrentThreadCpuTime();
    long circuit = 0;
    for (int b = 0; b < BUILDS; b++) {
      circuit = net.node(0).buildCircuit(net.path(path), net.now);
      net.settle();
    }
    long t1 = CPU.getCurrentThreadCpuTime();
    byte[] chunk = new byte[64 * 1024];
    int chunks = MIB * 16;
    for (int i = 0; i < chunks; i++) {
      net.node(0).send(circuit, chunk);
      net.settle();
    }
    long t2 = CPU.getCurrentThreadCpuTime();
    long far = ((OnionEvent.Data) net.events(hops).stream().filter(e -> e instanceof OnionEvent.Data)
        .findFirst().orElseThrow()).circuit();
    for (int i = 0; i < chunks; i++) {
      net.node(hops).send(far, chunk);
      net.settle();
    }
    long t3 = CPU.getCurrentThreadCpuTime();
    double cells = (double) chunks * ((chunk.length + RelayMessageCodec.MAX_DATA - 1) / RelayMessageCodec.MAX_DATA);
    if (net.events(0).stream().filter(e -> e instanceof OnionEvent.CircuitBuilt).count() != BUILDS
        || net.nodes.stream().anyMatch(e -> e.stats().totalRefused() != 0)) {
      throw new IllegalStateException("a build failed or something was refused");
    }
    net.events.values().forEach(List::clear);
    return new double[] {(t1 - t0) / (double) BUILDS, (t2 - t1) / cells, (t3 - t2) / cells};
  }
}
