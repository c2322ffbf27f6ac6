package dev.wormholes.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The simulator's NAT run is the daemon's: every connect is a search of the PathEngine that
 * {@code PathFinder} drives, and each direct path is that engine's Found, after a NatCore punch
 * outcome or a dial the engine asked for; the refusal counters are NatCore's,
 * and the rendezvous peers are NatCores that chose to serve once public (no rendezvous the
 * simulator made itself).
 */
class NatRunDrivesTheDaemonEnginesTest {
  @Test
  void everyDirectPathComesFromNatCoreOrTheLadder() {
    Scenario s = Scenario.defaults().parse(String.join("\n",
        "nodes = 300",
        "lookups = 0",
        "lookup.start_s = 10",
        "lookup.window_s = 10",
        "drain_s = 0",
        "nat.mix = public:0.25, full:0.15, address:0.15, port:0.25, symmetric:0.2",
        "nat.port_mapping = 0.1",
        "nat.connect_pairs = 60",
        "nat.connect.start_s = 15",
        "nat.connect.window_s = 20",
        ""), "nat-engines").with("seed", "5");
    System.out.println("NatRunDrivesTheDaemonEnginesTest seed 5");
    RunResult r = new Simulation(s, new Progress(new PrintStream(OutputStream.nullOutputStream()), false)).run();
    Map<String, Long> k = r.counters();
    Connects c = r.connects();
    long direct = 0;
    for (int p = 0; p < c.pairs(); p++) {
      if (c.outcome(p) == Connects.Outcome.DIRECT) direct++;
    }
    assertTrue(direct > 40, "most pairs connect: " + direct);
    assertEquals(direct, k.get("nat.connects_by_punch") + k.get("nat.connects_by_dial"),
        "each direct path is a NatCore outcome or a planned dial");
    assertTrue(k.get("nat.connects_by_punch") > 0 && k.get("nat.connects_by_dial") > 0, k.toString());
    assertEquals(c.started(), k.get("nat.ladder.searches"), "every connect is a PathEngine search");
    long relayed = c.count(Connects.Outcome.RELAYED, -1, -1);
    assertEquals(direct + relayed, k.get("nat.ladder.found"), "every path is the PathEngine's Found");
    assertEquals(relayed, k.get("nat.ladder.relayed"), "every relayed path is a relayed Found");
    assertTrue(relayed > 0 && relayed == k.get("nat.relay.circuits_opened"),
        "every relayed path is a circuit a RelayCore opened: " + relayed + ", " + k.get("nat.relay.circuits_opened"));
    assertEquals(c.count(Connects.Outcome.FAILED, -1, -1), k.get("nat.ladder.failed"),
        "every connect with no path is the PathEngine's Failed");
    assertTrue(k.get("nat.cores") >= 120, "every member runs a NatCore: " + k.get("nat.cores"));
    assertTrue(k.get("nat.rendezvous.peers") > 0, "NatCores serve once public");
    assertTrue(k.containsKey("nat.refused.not_serving") && k.containsKey("nat.refused.untrusted_order")
        && k.containsKey("nat.refused.relay_untrusted_incoming"), "the refusal counters are NatCore's and RelayCore's");
    assertEquals(120, k.get("nat.classified.right"), "every member classified by NatCore through the boxes");
  }
}
