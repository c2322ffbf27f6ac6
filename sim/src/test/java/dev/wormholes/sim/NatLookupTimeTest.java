package dev.wormholes.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.sim.nat.NatType;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Time to path includes the lookup of the target's presence record, as in the daemon and the lab:
 * with {@code nat.lookup = dht} (the default) every member PUTs its record through its own DHT
 * engine and the initiator's ladder gets the record from a real GET, so no path comes sooner than
 * one GET round trip plus the handshake's. At 20 ms one way (40 ms round trip) a public target
 * handed its record at once is reached in one round trip (40 ms); through the DHT it takes at least
 * two.
 */
class NatLookupTimeTest {
  private static final long RTT_MS = 40;

  @Test
  void timeToPathIncludesTheDhtLookupOfTheRecord() {
    Scenario s = Scenario.defaults().parse(String.join("\n",
        "nodes = 200",
        "loss = 0",
        "latency.base_ms = 20",
        "latency.span_ms = 0",
        "jitter_ms = 0",
        "lookups = 0",
        "lookup.start_s = 10",
        "lookup.window_s = 10",
        "drain_s = 0",
        "nat.mix = public:0.5, full:0.25, port:0.25",
        "nat.connect_pairs = 40",
        "nat.connect.start_s = 30",
        "nat.connect.window_s = 20",
        ""), "nat-lookup-time");
    RunResult r = new Simulation(s, new Progress(new PrintStream(OutputStream.nullOutputStream()), false)).run();
    Connects c = r.connects();
    Map<String, Long> k = r.counters();
    assertEquals((long) c.started(), k.get("nat.lookups.started"), "every connect looks the record up in the DHT: " + k);
    assertEquals((long) c.started(), k.get("nat.lookups.found"), "and finds it: " + k);
    assertTrue(k.get("nat.records_published") >= c.pairs(), "every target published its record: " + k);
    int paths = 0;
    for (int p = 0; p < c.pairs(); p++) {
      long path = c.timeToPath(p);
      if (path < 0) continue;
      paths++;
      long lookup = c.lookupTime(p);
      assertTrue(lookup >= RTT_MS, "pair " + p + ": a GET takes a round trip at least, took " + lookup + " ms");
      assertTrue(path >= lookup + RTT_MS, "pair " + p + ": the handshake follows the lookup: " + lookup + " + "
          + RTT_MS + " > " + path + " ms");
    }
    assertTrue(paths >= c.pairs() - 1, paths + " of " + c.pairs() + " connects found a path");
    long[] toPublic = c.timesToDirect(NatType.PUBLIC.ordinal(), NatType.PUBLIC.ordinal());
    assertTrue(toPublic.length > 0, "some public -> public pairs");
    Arrays.sort(toPublic);
    System.out.println("NatLookupTimeTest public -> public " + Arrays.toString(toPublic));
    assertTrue(toPublic[toPublic.length / 2] >= 2 * RTT_MS,
        "public -> public: lookup + handshake, not the handshake alone: " + Arrays.toString(toPublic));
  }
}
