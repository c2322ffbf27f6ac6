package dev.wormholes.nat.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.wormholes.nat.punch.HolePunch;
import dev.wormholes.nat.punch.Rendezvous;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class NatCountersTest {

  @Test
  void everyRefusalOfThePunchAndRendezvousEnginesReachesTheStatusTotalsAndNeverGoesDown() {
    NatCounters c = new NatCounters();
    DialBacks d = new DialBacks(new InetSocketAddress("203.0.113.1", 7447));
    c.retire(new HolePunch.Counters(1, 2, 3, 4, 5, 6, 7));
    c.retire(new Rendezvous.Counters(10, 20, 30, 40, 50, 60, 70, 80, 90, 100));
    HolePunch.Counters live = new HolePunch.Counters(1, 1, 1, 1, 1, 1, 1);
    Rendezvous.Counters rv = new Rendezvous.Counters(1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
    NatCounters.Snapshot s = c.snapshot(List.of(live), rv, d);
    assertEquals(1 + 1 + 10 + 1, s.get("malformed"));
    assertEquals(2 + 1 + 20 + 1, s.get("bad_signature"));
    assertEquals(5 + 1, s.get("refused_connect"));
    assertEquals(6 + 1, s.get("withheld_probe"));
    assertEquals(7 + 1, s.get("evicted_session"));
    assertEquals(30 + 1, s.get("replayed_register"));
    assertEquals(40 + 1, s.get("unknown_target"));
    assertEquals(80 + 1, s.get("unregistered_sender"));
    assertEquals(90 + 1, s.get("connect_over_rate"));
    assertEquals(100 + 1, s.get("registrations_full"));
    assertEquals(70 + 1, s.forwarded());
  }
}
