package dev.wormholes.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The same seed gives the same run, datagram for datagram (the simulator relies on it). */
class DeterminismTest {
  @Test
  void theSameSeedGivesTheSameTraffic() {
    System.out.println("DeterminismTest seeds 77 and 78");
    assertEquals(fingerprint(77), fingerprint(77));
    assertNotEquals(fingerprint(77), fingerprint(78));
  }

  private static List<Object> fingerprint(long seed) {
    SimNet net = new SimNet(seed);
    long[] hash = {1};
    net.tap = (to, bytes) -> {
      hash[0] = hash[0] * 31 + java.util.Arrays.hashCode(bytes) + to.index * 7L + net.now;
      return bytes;
    };
    net.grow(40, DhtConfig.defaults());
    for (SimNet.Node n : net.nodes) {
      net.await(n, n.engine.publish(SimNet.presenceOf(n, 1, SimNet.WALL_BASE + net.now + 3_600_000), net.now), 30_000);
    }
    net.runFor(20 * 60_000);
    List<Object> out = new ArrayList<>();
    out.add(hash[0]);
    out.add(net.delivered);
    for (SimNet.Node n : net.nodes) {
      out.add(n.engine.contacts());
      out.add(n.engine.stats().snapshot());
    }
    return out;
  }
}
