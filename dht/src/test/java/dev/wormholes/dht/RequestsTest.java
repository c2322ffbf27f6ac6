package dev.wormholes.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.dht.Outstanding.Purpose;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link Requests}: the adaptive timeout stays within its bounds, and the late ring is bounded. */
class RequestsTest {
  @Test
  void timeoutAdaptsToRoundTripsWithinItsBounds() {
    Requests r = new Requests(8, 4000, 1000, 4000);
    assertEquals(1000, r.timeoutMs(), "no sample yet: the floor");
    for (int i = 0; i < 50; i++) r.sampleRtt(50);
    assertEquals(1000, r.timeoutMs(), "fast answers never go below the floor");
    long last = r.deadlineFor(0);
    for (int i = 0; i < 50; i++) {
      r.sampleRtt(2500);
      long d = r.deadlineFor(i);
      assertTrue(d >= last, "deadlines never move backwards");
      last = d;
    }
    assertTrue(r.timeoutMs() > 2500 && r.timeoutMs() <= 4000, "slow answers stretch it: " + r.timeoutMs());
    for (int i = 0; i < 50; i++) r.sampleRtt(60_000);
    assertEquals(4000, r.timeoutMs(), "capped");
    long before = r.deadlineFor(100);
    for (int i = 0; i < 200; i++) r.sampleRtt(20);
    assertEquals(1000, r.timeoutMs(), "back to the floor when answers are fast again");
    assertEquals(before, r.deadlineFor(101), "a shorter timeout does not reorder deadlines");
    assertEquals(1000, new Requests(8, 4000, 1000, 500).timeoutMs(), "a ceiling under the floor fixes it");
  }

  @Test
  void theLateRingIsBoundedAndReleasedAfterTheGracePeriod() {
    System.out.println("RequestsTest seed 12001");
    SplittableRandom random = new SplittableRandom(12_001);
    Requests r = new Requests(8, 4000, 1000, 1000);
    List<Outstanding> sent = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      Contact c = new Contact(RoutingTablePropertiesTest.randomId(random), SimNet.addressOf(i));
      Outstanding o = new Outstanding(r.newTxid(random), c.address(), c, Purpose.LOOKUP, null, r.deadlineFor(i), false);
      o.sentAt = i;
      r.add(o);
      sent.add(o);
    }
    int expired = 0;
    for (Outstanding o = r.pollExpired(2000); o != null; o = r.pollExpired(2000)) expired++;
    assertEquals(100, expired);
    assertEquals(0, r.size());
    assertEquals(8, r.lateSize(), "at most lateSlots kept");
    assertNull(r.takeLate(sent.get(0).txid, sent.get(0).to, 2000), "the oldest were dropped");
    Outstanding newest = sent.get(99);
    assertNull(r.takeLate(newest.txid, sent.get(98).to, 2000), "from the wrong address");
    assertSame(newest, r.takeLate(newest.txid, newest.to, 2000));
    assertNull(r.takeLate(newest.txid, newest.to, 2000), "one credit per request");
    Outstanding other = sent.get(95);
    assertNull(r.takeLate(other.txid, other.to, other.deadline + 4000), "after the grace period");
    r.sweepLate(newest.deadline + 4000);
    assertEquals(Long.MAX_VALUE, r.lateDeadline(), "released once every grace period ended");
    assertEquals(0, r.lateSize());
  }
}
