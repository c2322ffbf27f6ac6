package dev.wormholes.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.nat.punch.HolePunch;
import java.io.OutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

/**
 * The simulated NAT population gives the outcomes physics allows (the kernel lab's table), with
 * the daemon's NatCore, PresencePolicy and PathLadder: pairs of endpoint-independent (or public) nodes always
 * get a direct path, full-cone and address-restricted nodes punch symmetric ones plainly,
 * port-restricted against symmetric needs the birthday technique, symmetric against symmetric
 * always needs a relay, and a port mapping makes even a symmetric NAT reachable. Every node
 * learns its NAT type with NatCore through the boxes, and without loss gets it right.
 */
class NatMatrixTest {
  private static final int PUBLIC = 0;
  private static final int FULL = 1;
  private static final int ADDRESS = 2;
  private static final int PORT = 3;
  private static final int SYM = 4;

  static final String SCENARIO = String.join("\n",
      "nodes = 500",
      "lookups = 0",
      "lookup.start_s = 10",
      "lookup.window_s = 10",
      "drain_s = 0",
      "nat.mix = public:0.2, full:0.2, address:0.2, port:0.2, symmetric:0.2",
      "nat.connect_pairs = 220",
      "nat.connect.start_s = 12",
      "nat.connect.window_s = 40",
      "");

  static RunResult run(Scenario s) {
    return new Simulation(s, new Progress(new PrintStream(OutputStream.nullOutputStream()), false)).run();
  }

  @Test
  void everyPairTypeEndsAsPhysicsAllows() {
    Scenario s = Scenario.defaults().parse(SCENARIO, "nat-matrix").with("seed", "3");
    RunResult r = run(s);
    Connects c = r.connects();
    System.out.print(ConnectReport.summary(r));
    assertEquals(220, c.started());
    int birthdayPairs = 0;
    int birthdayDirect = 0;
    for (int p = 0; p < c.pairs(); p++) {
      int a = c.initiatorCategory(p);
      int b = c.targetCategory(p);
      String pair = Connects.CATEGORIES[a] + " -> " + Connects.CATEGORIES[b] + " (pair " + p + ")";
      if (a == SYM && b == SYM) {
        // No punch can work: the ladder opens a relay circuit through the target's introducer
        // (RelayCore at both ends and at the relay) after its 300 ms no-punch delay, counted from
        // the end of the record's lookup.
        assertEquals(Connects.Outcome.RELAYED, c.outcome(p), "symmetric <-> symmetric goes through a relay: " + pair);
        long ladder = c.timeToPath(p) - c.lookupTime(p);
        assertTrue(c.lookupTime(p) > 0 && ladder >= 300 && ladder < 1_000,
            pair + " relayed " + ladder + " ms after a lookup of " + c.lookupTime(p) + " ms");
      } else if ((a == PORT && b == SYM) || (a == SYM && b == PORT)) {
        birthdayPairs++;
        if (c.outcome(p) == Connects.Outcome.DIRECT) {
          birthdayDirect++;
          assertEquals(HolePunch.PathKind.BIRTHDAY, c.kind(p), "port <-> symmetric needs birthday: " + pair);
        }
      } else {
        assertEquals(Connects.Outcome.DIRECT, c.outcome(p), pair);
        if (b == PUBLIC) {
          assertEquals(HolePunch.PathKind.DIRECT, c.kind(p), pair);
        } else if (b == FULL) {
          // Its record's OBSERVED endpoint takes anyone's packets: dialled at once, as in the
          // kernel lab; the punch alongside may still come first.
          assertTrue(c.kind(p) == HolePunch.PathKind.DIRECT || c.kind(p) == HolePunch.PathKind.PUNCHED
              || a == SYM && c.kind(p) == HolePunch.PathKind.BIRTHDAY, pair + ": " + c.kind(p));
        } else {
          // A target whose filtering test has not ended yet announces unknown filtering, and a
          // symmetric initiator then punches with birthday sockets: still a punched path.
          assertTrue(c.kind(p) == HolePunch.PathKind.PUNCHED
              || a == SYM && c.kind(p) == HolePunch.PathKind.BIRTHDAY, pair + ": " + c.kind(p));
        }
        assertTrue(c.timeToDirect(p) > 0 && c.timeToDirect(p) < 2_000, pair + " took " + c.timeToDirect(p) + " ms");
      }
    }
    for (int a : new int[] {PUBLIC, FULL, ADDRESS, PORT}) {
      for (int b : new int[] {PUBLIC, FULL, ADDRESS, PORT}) {
        assertTrue(c.count(a, b) > 0, "the sample covers " + a + " -> " + b);
      }
    }
    assertTrue(c.count(SYM, SYM) > 0 && birthdayPairs >= 10, "the sample covers the hard cells: " + birthdayPairs);
    assertTrue(birthdayDirect >= 0.7 * birthdayPairs, "birthday punching mostly works: " + birthdayDirect + "/" + birthdayPairs);
    assertEquals(440, r.counters().get("nat.classified.right"), "every node learns its NAT type through the boxes");
    assertEquals(0, r.counters().get("nat.classified.wrong"));
    assertEquals(0, r.counters().get("nat.table_full"));
    assertTrue(r.counters().get("nat.filtered") > 0, "the boxes did filter");
  }

  @Test
  void aPortMappingMakesASymmetricNatReachable() {
    Scenario s = Scenario.defaults().parse(SCENARIO, "nat-mapped")
        .with("nat.mix", "public:0.3, symmetric:0.7").with("nat.port_mapping", "0.5")
        .with("nat.connect_pairs", "80");
    Connects c = run(s).connects();
    int mappedTargets = 0;
    int symToMapped = 0;
    for (int p = 0; p < c.pairs(); p++) {
      boolean symA = c.initiatorCategory(p) == SYM;
      int b = c.targetCategory(p);
      if (b == Connects.MAPPED) {
        mappedTargets++;
        assertEquals(Connects.Outcome.DIRECT, c.outcome(p), "pair " + p);
        if (symA) {
          // Only the mapped port lets a symmetric initiator in (a public one may win the race
          // through a punched path as well).
          assertEquals(HolePunch.PathKind.MAPPED, c.kind(p), "pair " + p);
          symToMapped++;
        }
      } else if (symA && b == SYM) {
        assertEquals(Connects.Outcome.RELAYED, c.outcome(p), "pair " + p);
      }
    }
    assertTrue(mappedTargets >= 10 && symToMapped >= 5, "mapped targets sampled: " + mappedTargets + ", " + symToMapped);
  }
}
