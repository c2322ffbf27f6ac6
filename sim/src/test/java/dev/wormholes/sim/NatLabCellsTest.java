package dev.wormholes.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.sim.nat.NatType;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The kernel lab's port-restricted <-> symmetric cells in the simulator, at the lab's ~1 ms delay:
 * a birthday punch works whichever side starts, and its path is dialled at once. When the
 * port-restricted side starts, its QUIC handshake reaches the symmetric side's birthday socket
 * before that side's own verdict; unless the symmetric side answers from that socket, the answer
 * gets a fresh port the port-restricted NAT drops and the path waits for QUIC's retransmission
 * (1 s), which in the lab lost the race to the relays.
 */
class NatLabCellsTest {
  @Test
  void portRestrictedAndSymmetricPunchFastWhicheverSideStarts() {
    Scenario s = Scenario.defaults().parse(String.join("\n",
        "nodes = 200",
        "loss = 0",
        "latency.base_ms = 0.5",
        "latency.span_ms = 0",
        "jitter_ms = 0",
        "lookups = 0",
        "lookup.start_s = 10",
        "lookup.window_s = 10",
        "drain_s = 0",
        "nat.mix = public:0.3, port:0.35, symmetric:0.35",
        "nat.connect_pairs = 70",
        "nat.connect.start_s = 30",
        "nat.connect.window_s = 30",
        ""), "nat-lab-cells").with("seed", "3");
    RunResult r = new Simulation(s, new Progress(new PrintStream(OutputStream.nullOutputStream()), false)).run();
    Connects c = r.connects();
    int port = NatType.PORT.ordinal();
    int sym = NatType.SYMMETRIC.ordinal();
    for (int[] cell : new int[][] {{port, sym}, {sym, port}}) {
      long[] t = c.timesToDirect(cell[0], cell[1]);
      int pairs = c.count(cell[0], cell[1]);
      String what = Connects.CATEGORIES[cell[0]] + " -> " + Connects.CATEGORIES[cell[1]] + ": " + t.length
          + " of " + pairs + " direct, times " + Arrays.toString(t);
      System.out.println("NatLabCellsTest " + what);
      assertTrue(pairs >= 5 && t.length >= pairs - 1, what); // a birthday miss is 2 % likely per pair
      assertTrue(t[t.length / 2] < 1_000, "the median path does not wait for a QUIC retransmission: " + what);
    }
  }
}
