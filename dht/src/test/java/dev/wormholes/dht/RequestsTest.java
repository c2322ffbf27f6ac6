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

/**
 * {@link Requests}: the adaptive timeout stays within its bounds, the late ring is bounded, and the
 * in-flight ring answers as a map in send order would.
 */
class RequestsTest {
  /**
   * Random sends, answers (from the right and a wrong address, unknown txids) and expiries against
   * a {@code LinkedHashMap} model: every take, poll, size and next deadline agree, holes left by
   * answers in the middle included.
   */
  @Test
  void inFlightMatchesAnInsertionOrderedMap() {
    SplittableRandom random = new SplittableRandom(16_016);
    Requests r = new Requests(0, 0, 1000, 1000);
    java.util.LinkedHashMap<Long, Outstanding> model = new java.util.LinkedHashMap<>();
    long now = 0;
    for (int step = 0; step < 20_000; step++) {
      now += random.nextInt(3);
      int op = random.nextInt(10);
      if (op < 5 && model.size() < 200) {
        Contact c = new Contact(RoutingTablePropertiesTest.randomId(random), SimNet.addressOf(random.nextInt(50)));
        Outstanding o = new Outstanding(r.newTxid(random), c.address(), c, Purpose.LOOKUP, null, r.deadlineFor(now), false);
        o.sentAt = now;
        r.add(o);
        model.put(o.txid, o);
      } else if (op < 8 && !model.isEmpty()) {
        List<Outstanding> live = new ArrayList<>(model.values());
        Outstanding o = live.get(random.nextInt(live.size()));
        boolean wrong = random.nextInt(4) == 0;
        java.net.InetSocketAddress from = wrong ? SimNet.addressOf(60 + random.nextInt(10)) : o.to;
        Outstanding got = r.take(o.txid, from, now);
        if (wrong) {
          assertNull(got);
        } else {
          assertSame(o, got);
          model.remove(o.txid);
        }
      } else if (op < 9) {
        assertNull(r.take(random.nextLong() | 1, SimNet.addressOf(0), now), "unknown txid");
      } else {
        for (Outstanding o = r.pollExpired(now); o != null; o = r.pollExpired(now)) {
          Outstanding first = model.values().iterator().next();
          assertSame(first, o, "expiry in send order");
          model.remove(o.txid);
        }
      }
      assertEquals(model.size(), r.size());
      assertEquals(model.isEmpty() ? Long.MAX_VALUE : model.values().iterator().next().deadline, r.nextDeadline());
    }
  }

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
