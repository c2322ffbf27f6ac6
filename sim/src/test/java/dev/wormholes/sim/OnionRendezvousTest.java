package dev.wormholes.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * A small hidden-service run on the real engines: every connection meets its service at a
 * rendezvous point through an introduction and gets its 1 KiB echoed over the spliced circuit's
 * end-to-end layer, no later than the round trips the protocol takes in the network model, no
 * introduction message is refused, and the run is deterministic.
 */
class OnionRendezvousTest {
  private static Scenario scenario() {
    return Scenario.defaults().parse(String.join("\n",
        "nodes = 60",
        "onion.rendezvous = 24",
        "onion.rendezvous.services = 3",
        "onion.window_s = 30",
        "latency.base_ms = 20",
        "latency.span_ms = 0",
        "jitter_ms = 5",
        ""), "rendezvous-test").with("seed", "5");
  }

  @Test
  void everyConnectionIsEchoedThroughARendezvousPoint() {
    OnionRendezvous.Row r = OnionRendezvous.run(scenario());
    System.out.print(OnionRendezvous.summary(r));
    assertEquals(9, r.introsEstablished());
    assertEquals(24, r.echoed());
    assertEquals(0, r.introRefusals());
    // At the least 60 one-way legs of 20 ms: the rendezvous circuit's 3 round trips and
    // ESTABLISH_RENDEZVOUS's (12 legs), the intro circuit's and INTRODUCE1 to the service (6 + 6),
    // the service's circuit and RENDEZVOUS1/2 (6 + 6), BEGIN/CONNECTED and the echo over the 6-leg
    // spliced path (24).
    assertTrue(r.msToEcho()[0] >= 60 * 20, "fastest " + r.msToEcho()[0]);
    assertTrue(r.percentile(0.99) < 60 * 30 * 2, "slowest " + r.percentile(0.99));
    assertArrayEquals(r.msToEcho(), OnionRendezvous.run(scenario()).msToEcho());
  }
}
