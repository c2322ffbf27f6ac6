package dev.wormholes.nat.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.nat.NatClassifier;
import dev.wormholes.nat.punch.PunchTransmit;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A filtering-test run through another rendezvous than the last one: a dial-back from the earlier
 * run's peer (which the side socket has sent to) proves nothing, the current peer's other port and
 * strangers still count.
 */
class FilterTestRunsTest {
  private static final InetSocketAddress R1 = new InetSocketAddress("198.51.100.101", 7447);
  private static final InetSocketAddress R2 = new InetSocketAddress("198.51.100.102", 7447);

  @Test
  void aDialBackFromAnEarlierRunsRendezvousProvesNothing() {
    FilterTest t = new FilterTest();
    NatClassifier c = new NatClassifier(new InetSocketAddress("10.7.0.2", 7447), 1_000);
    SplittableRandom random = new SplittableRandom(1);
    Queue<PunchTransmit> out = new ArrayDeque<>();
    InetSocketAddress stranger = new InetSocketAddress("203.0.113.9", 7447);
    assertFalse(t.provesNothing(R2), "no run yet");

    t.maybeStart(R2, 0, random, out); // run 1 through R2
    assertEquals(1, t.runs);
    assertEquals(R2, out.poll().to(), "the side socket's Observe goes to R2");
    assertFalse(t.provesNothing(new InetSocketAddress("198.51.100.102", 40_000)), "R2's other port: its own test");
    assertFalse(t.provesNothing(stranger));

    t.handleTimeout(2_000, c); // R2 never answered the Observe: tried again after RETRY_MS
    t.maybeStart(R1, 2_000 + FilterTest.RETRY_MS, random, out); // run 2 through R1
    assertEquals(2, t.runs);
    assertEquals(R1, out.poll().to());
    assertTrue(t.provesNothing(R2), "R2 was sent to: its packets pass a filtering NAT as answers");
    assertFalse(t.provesNothing(new InetSocketAddress("198.51.100.101", 40_000)), "the current rendezvous' other port");
    assertFalse(t.provesNothing(stranger), "a stranger's dial-back is the test");
  }
}
