package dev.wormholes.sim;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The scale experiment as a benchmark: run a scale scenario (default {@code
 * sim/scenarios/scale-10k.conf}, optionally with another node count), print its summary, events
 * per second and heap per node, then the event queue against a plain {@code PriorityQueue} loop at
 * 1 M pending events in the same JVM.
 *
 * <p>Run: {@code ./mvnw -q -pl sim test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.wormholes.sim.ScaleBenchmark -Dexec.args="scenarios/scale-100k.conf"}
 * (arguments: scenario file, then optional {@code key=value} overrides such as {@code nodes=20000}).
 */
public final class ScaleBenchmark {
  private ScaleBenchmark() {}

  /** Args: [scenario file] [key=value ...]. */
  public static void main(String[] args) throws Exception {
    System.setProperty("java.awt.headless", "true");
    Path file = Path.of(args.length > 0 ? args[0] : "scenarios/scale-10k.conf");
    Scenario s = Scenario.read(file);
    for (int i = 1; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      s = s.with(kv[0], kv[1]);
    }
    PrintStream out = System.out;
    RunResult r = Wormsim.run(s, null, new Progress(System.err, true), out).get(0);
    out.printf("simulation: %.0f events/s, heap after setup %d B/node, peak heap %d B/node%n",
        r.perf().eventsPerSecond(), r.perf().heapAfterSetup() / r.nodes(), r.perf().peakHeap() / r.nodes());
    EventQueueBenchmark.main(new String[] {"1000000", "3000000"});
  }
}
