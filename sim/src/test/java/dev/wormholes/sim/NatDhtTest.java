package dev.wormholes.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.sim.nat.NatType;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With {@code nat.dht = true} DHT datagrams pass through the NAT boxes: a node behind a NAT is
 * reached unsolicited only as its box allows, so lookups for public nodes still succeed while
 * lookups for nodes behind port-restricted or symmetric NATs mostly fail (they cannot answer
 * strangers); responses tell nodes their address as the responder saw it, which for a symmetric
 * NAT carries a port other than the nominal one. Every node serves the DHT here ({@code
 * nat.dht.read_only = false}); {@code NatDhtReadOnlyTest} covers the read-only mode.
 */
class NatDhtTest {
  @Test
  void dhtTrafficIsFilteredByTheBoxes() {
    Scenario s = Scenario.defaults().parse(String.join("\n",
        "nodes = 400",
        "lookups = 300",
        "lookup.start_s = 20",
        "lookup.window_s = 60",
        "drain_s = 20",
        "nat.mix = public:0.4, port:0.3, symmetric:0.3",
        "nat.connect_pairs = 10",
        "nat.dht = true",
        "nat.dht.read_only = false",
        ""), "nat-dht");
    Simulation sim = new Simulation(s, new Progress(new PrintStream(OutputStream.nullOutputStream()), false));
    RunResult r = sim.run();
    int[] ok = new int[NatType.values().length];
    int[] all = new int[NatType.values().length];
    for (Measurements.Query q : r.measurements().all()) {
      int t = sim.natType(q.target()).ordinal();
      all[t]++;
      if (q.status() == Measurements.Status.OK) ok[t]++;
    }
    int pub = NatType.PUBLIC.ordinal();
    int port = NatType.PORT.ordinal();
    int sym = NatType.SYMMETRIC.ordinal();
    assertTrue(all[pub] > 50 && all[port] > 50 && all[sym] > 50, java.util.Arrays.toString(all));
    assertTrue(ok[pub] >= 0.95 * all[pub], "public targets are found: " + ok[pub] + "/" + all[pub]);
    assertTrue(ok[port] <= 0.5 * all[port], "port-restricted targets cannot answer strangers: " + ok[port] + "/" + all[port]);
    assertTrue(ok[sym] <= 0.5 * all[sym], "symmetric targets cannot answer strangers: " + ok[sym] + "/" + all[sym]);
    Map<String, Long> c = r.counters();
    assertTrue(c.get("net.nat_filtered") > 0);
    assertTrue(c.getOrDefault("dht.observed.other_port", 0L) > 0, "symmetric nodes learn a translated port");
    assertTrue(c.getOrDefault("dht.observed.nominal", 0L) > 0);
    assertEquals(10, r.connects().count(Connects.Outcome.DIRECT, -1, -1) + r.connects().count(Connects.Outcome.FAILED, -1, -1)
        + r.connects().count(Connects.Outcome.RELAYED, -1, -1),
        "punching still runs beside the DHT on the same boxes");
  }
}
