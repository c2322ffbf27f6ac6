package dev.wormholes.nat.punch;

import dev.wormholes.nat.sim.PunchScenario;
import dev.wormholes.nat.sim.VirtualNat.Type;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Punching in virtual time (20 ms one-way internet latency), against baselines of the same run:
 * time to a punched path divided by the relayed RTT (A to rendezvous to B and back: 80 ms; the
 * issue's target is at most 2), and the probes the easy side needs against a symmetric NAT with
 * the birthday technique versus plain punching.
 *
 * <p>Run: {@code ./mvnw -q -B -pl nat test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.wormholes.nat.punch.PunchBenchmark}
 */
public final class PunchBenchmark {
  private PunchBenchmark() {}

  /** Print the table. */
  public static void main(String[] args) {
    HolePunch.Config config = HolePunch.Config.defaults();
    double relayedRtt = 4 * 20;
    System.out.println("pair                                   time to path   / relayed RTT (" + (int) relayedRtt + " ms)");
    Type[][] pairs = {{Type.PORT_RESTRICTED, Type.PORT_RESTRICTED}, {Type.FULL_CONE, Type.SYMMETRIC},
        {Type.ADDRESS_RESTRICTED, Type.SYMMETRIC}, {Type.PORT_RESTRICTED, Type.PUBLIC},
        {Type.PORT_RESTRICTED, Type.SYMMETRIC}};
    for (Type[] p : pairs) {
      List<Long> times = new ArrayList<>();
      for (int seed = 0; seed < 200; seed++) {
        PunchScenario.Outcome o = PunchScenario.run(p[0], p[1], seed, config);
        if (o.a() instanceof PunchEvent.PathEstablished e) {
          times.add(e.elapsedMs());
        }
      }
      Collections.sort(times);
      long median = times.isEmpty() ? -1 : times.get(times.size() / 2);
      System.out.printf("%-38s %6d ms      %.2f   (%d/200 punched)%n", p[0] + " <-> " + p[1], median,
          median / relayedRtt, times.size());
    }
    birthday(config);
  }

  private static void birthday(HolePunch.Config config) {
    HolePunch.Config plain = new HolePunch.Config(config.connectRetryMs(), config.probeIntervalMs(),
        config.punchTimeoutMs(), 0, 0, config.birthdayBatch(), config.birthdayBatchIntervalMs(),
        config.hardRefreshMs(), config.registerIntervalMs(), config.maxSessions(), config.lingerMs());
    int runs = 500;
    int plainOk = 0;
    for (int seed = 0; seed < 50; seed++) {
      plainOk += PunchScenario.run(Type.PORT_RESTRICTED, Type.SYMMETRIC, seed, plain).punched() ? 1 : 0;
    }
    List<Integer> probes = new ArrayList<>();
    for (int seed = 0; seed < runs; seed++) {
      PunchScenario.Outcome o = PunchScenario.run(Type.PORT_RESTRICTED, Type.SYMMETRIC, seed, config);
      if (o.punched()) {
        probes.add(((PunchEvent.PathEstablished) o.a()).probesSent());
      }
    }
    Collections.sort(probes);
    System.out.printf("%nport-restricted <-> symmetric, easy side's probes (%d sockets, <= %d random probes):%n",
        config.birthdaySockets(), config.birthdayProbes());
    System.out.printf("  birthday: %d/%d punched (%.1f %%), probes median %d, p90 %d, max %d%n", probes.size(),
        runs, 100.0 * probes.size() / runs, probes.get(probes.size() / 2),
        probes.get(probes.size() * 9 / 10), probes.get(probes.size() - 1));
    System.out.printf("  baseline plain punching: %d/50 punched; success ratio birthday/plain: %s%n", plainOk,
        plainOk == 0 ? "infinite (plain never works)" : String.format("%.1f", probes.size() / (double) runs / (plainOk / 50.0)));
  }
}
