package dev.wormholes.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.sim.nat.NatType;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With DHT traffic through the NAT boxes, nodes that cannot be reached unsolicited run the DHT
 * read-only ({@code nat.dht.read_only}, BEP 43): the same seed and workload run both ways, and
 * read-only mode keeps every restricted-NAT node out of routing tables, so that strangers no longer
 * send into filtering boxes and presence lookups are several times faster, while every record,
 * including those of read-only nodes, is still found. Connect-pair members start read-only and
 * switch once their own classification says they are reachable (public here), as the node's NAT
 * agent will.
 */
class NatDhtReadOnlyTest {
  private static RunResult run(boolean readOnly, Simulation[] out) {
    Scenario s = Scenario.defaults().parse(String.join("\n",
        "nodes = 400",
        "bootstrap = join",
        "bootstrap.window_s = 20",
        "publish = all",
        "publish.start_s = 25",
        "publish.window_s = 20",
        "lookups = 200",
        "lookup.kind = get",
        "lookup.start_s = 110",
        "lookup.window_s = 60",
        "drain_s = 20",
        "nat.mix = public:0.3, full:0.1, address:0.1, port:0.3, symmetric:0.2",
        "nat.connect_pairs = 20",
        "nat.connect.start_s = 15",
        "nat.connect.window_s = 30",
        "nat.dht = true",
        "nat.dht.read_only = " + readOnly,
        ""), "nat-dht-ro");
    Simulation sim = new Simulation(s, new Progress(new PrintStream(OutputStream.nullOutputStream()), false));
    out[0] = sim;
    return sim.run();
  }

  @Test
  void readOnlyNodesStayOutOfTablesAndLookupsGetFaster() {
    System.out.println("NatDhtReadOnlyTest seed 1, 400 nodes, read-only off then on");
    Simulation[] sims = new Simulation[2];
    RunResult off = run(false, sims);
    RunResult on = run(true, new Simulation[1]);
    Map<String, Long> c0 = off.counters();
    Map<String, Long> c1 = on.counters();
    long restrictedOff = restricted(c0);
    long restrictedOn = restricted(c1);
    long p50Off = p50(off);
    long p50On = p50(on);
    System.out.printf("restricted-NAT table contacts %d -> %d; DHT datagrams dropped in NAT boxes %d -> %d;"
        + " GET p50 %d -> %d ms; read-only nodes %d%n", restrictedOff, restrictedOn, c0.get("net.nat_filtered"),
        c1.get("net.nat_filtered"), p50Off, p50On, c1.get("dht.read_only_nodes"));
    assertTrue(restrictedOff > 100, "without read-only mode restricted nodes get into tables: " + restrictedOff);
    // Nodes told their type start read-only and are in no table. The 40 pair members classify
    // themselves and, as in the daemon (NatReport.filtersStrangers: unknown axes filter nobody),
    // serve until their verdict: a restricted one may be in a table by then.
    assertTrue(restrictedOn <= 40, "only classifying members reach tables: " + restrictedOn);
    // Address-restricted, port-restricted and symmetric nodes: 0.6 x 400, and nobody else at the end.
    assertEquals(240, c1.get("dht.read_only_nodes"));
    assertEquals(200, ok(on), "every record is found, read-only owners' too");
    assertTrue(ok(off) >= 195, "GETs also succeed without read-only mode, slowly: " + ok(off));
    // A GET ends once two holders agree (DhtConfig.getQuorum), mostly before it asks the filtered
    // nodes a whole lookup would wait for; read-only mode still makes the median faster.
    assertTrue(p50On < p50Off, "read-only mode makes GETs faster: " + p50On + " vs " + p50Off);
    assertTrue(c1.get("net.nat_filtered") * 10 < c0.get("net.nat_filtered"));
    for (NatType t : new NatType[] {NatType.ADDRESS, NatType.PORT, NatType.SYMMETRIC}) {
      assertEquals(c1.get("dht.lookups_to." + t.label), c1.get("dht.lookups_ok_to." + t.label), t.label);
    }
  }

  private static long restricted(Map<String, Long> c) {
    return c.getOrDefault("dht.table_contacts.address", 0L) + c.getOrDefault("dht.table_contacts.port", 0L)
        + c.getOrDefault("dht.table_contacts.symmetric", 0L);
  }

  private static long ok(RunResult r) {
    return r.measurements().all().stream()
        .filter(q -> q.kind() == Measurements.Kind.GET && q.status() == Measurements.Status.OK).count();
  }

  private static long p50(RunResult r) {
    long[] l = r.measurements().all().stream()
        .filter(q -> q.kind() == Measurements.Kind.GET && q.status() == Measurements.Status.OK)
        .mapToLong(Measurements.Query::latency).sorted().toArray();
    return l[l.length / 2];
  }
}
