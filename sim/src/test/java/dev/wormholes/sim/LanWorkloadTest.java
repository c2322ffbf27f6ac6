package dev.wormholes.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.nat.lan.AnnounceFilter;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * LAN segments driven by the daemon's LAN discovery engine ({@code LanAnnouncer}): the members of
 * a segment that start with no seed join the DHT only through the announces they hear. Every one
 * of them ends in the network (its table holds a node that is not seedless), not on an island of
 * seedless nodes that joined through each other; half of them within one announce interval; every
 * lookup finds its target. With the rule before (only a node with no contact at all joins through
 * an announce) 18 of the 24 stayed on such islands and 14 of 40 lookups failed.
 */
class LanWorkloadTest {
  private static Measurements.Summary lookups;

  private static Map<String, Long> run() {
    Scenario s = Scenario.defaults().parse(String.join("\n",
        "nodes = 80",
        "bootstrap = join",
        "bootstrap.seeds = 8",
        "bootstrap.window_s = 60",
        "lan.segments = 8",
        "lan.size = 4",
                "lookups = 40",
        "lookup.start_s = 130",
        "lookup.window_s = 20",
        "drain_s = 5",
        ""), "lan");
    RunResult r = new Simulation(s, new Progress(new PrintStream(OutputStream.nullOutputStream()), false)).run();
    Map<String, Long> k = r.counters();
    lookups = r.measurements().summarise(Measurements.Kind.FIND_NODE);
    System.out.println("LanWorkloadTest " + k.entrySet().stream()
        .filter(e -> e.getKey().startsWith("lan.")).map(Object::toString).toList() + " FIND_NODE ok "
        + lookups.ok() + " of " + lookups.started());
    return k;
  }

  @Test
  void seedlessMembersJoinThroughTheirLanAndEndInTheNetwork() {
    Map<String, Long> k = run();
    long seedless = k.get("lan.seedless_started");
    assertEquals(24, seedless);
    assertEquals(seedless, k.get("lan.seedless_with_contact"), "every seedless member got a contact: " + k);
    assertEquals(seedless, k.get("lan.seedless_in_network"), "none left on an island of seedless nodes: " + k);
    assertTrue(k.get("lan.first_contact_ms_p50") < AnnounceFilter.INTERVAL_MS, "half within one interval: " + k);
    assertTrue(k.get("lan.joins") >= seedless && k.get("lan.joins") <= k.get("lan.announces_reported"),
        "each join is one reported announce: " + k);
    assertEquals(lookups.started(), lookups.ok(), "every lookup finds its target, seedless members included");
  }
}
