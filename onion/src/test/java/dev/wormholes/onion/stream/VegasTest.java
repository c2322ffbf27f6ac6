package dev.wormholes.onion.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link Vegas} on a fake clock: a sender that fills its window every round trip. */
class VegasTest {
  private final Vegas v = new Vegas();
  private final SplittableRandom random = new SplittableRandom(7);
  /** Tags of the cells a SENDME is due for, oldest first (what an honest receiver would echo). */
  private final ArrayDeque<byte[]> due = new ArrayDeque<>();
  private long now;
  private long sentCells;

  /** One round trip of {@code rttMicros}: fill the window, then every due SENDME arrives. */
  private void round(long rttMicros) {
    while (v.room() > 0) {
      byte[] tag = new byte[16];
      random.nextBytes(tag);
      v.sent(tag, now);
      if (++sentCells % Vegas.SENDME_INC == 0) {
        due.add(tag);
      }
    }
    now += rttMicros;
    while (!due.isEmpty()) {
      assertTrue(v.acked(due.poll(), now));
    }
  }

  @Test
  void theWindowGrowsToItsCapOnACleanPath() {
    int before = v.cwnd();
    for (int i = 0; i < 200; i++) {
      round(100_000);
    }
    assertTrue(v.cwnd() > before);
    assertEquals(Vegas.CWND_MAX, v.cwnd());
    assertTrue(v.slowStart(), "a constant RTT shows no queue");
    assertEquals(100_000, v.minRttMicros());
  }

  @Test
  void queueingDelayEndsSlowStartAndShrinksTheWindow() {
    for (int i = 0; i < 200; i++) {
      round(100_000);
    }
    int full = v.cwnd();
    // The path's queues fill: the same window now takes three times as long per round trip.
    for (int i = 0; i < 20; i++) {
      round(300_000);
    }
    assertFalse(v.slowStart());
    assertTrue(v.cwnd() < full / 2, "cwnd " + v.cwnd() + " from " + full);
    int shrunk = v.cwnd();
    // The queue drains: the window grows again in avoidance, a step per round trip.
    for (int i = 0; i < 5; i++) {
      round(100_000);
    }
    assertTrue(v.cwnd() > shrunk, "cwnd " + v.cwnd() + " from " + shrunk);
    assertTrue(v.cwnd() >= Vegas.CWND_MIN && v.cwnd() <= Vegas.CWND_MAX);
  }

  @Test
  void aSendmeThatAcknowledgesNoSentCellIsRefusedAndChangesNothing() {
    assertFalse(v.acked(new byte[16], 0), "nothing sent yet");
    byte[][] tags = new byte[Vegas.SENDME_INC][16];
    for (byte[] t : tags) {
      random.nextBytes(t);
      v.sent(t, 0);
    }
    byte[] forged = tags[Vegas.SENDME_INC - 1].clone();
    forged[3] ^= 1;
    assertFalse(v.acked(forged, 50));
    assertFalse(v.acked(tags[0], 50), "the tag of a cell no SENDME is due for");
    assertEquals(Vegas.SENDME_INC, v.inflight());
    assertTrue(v.acked(tags[Vegas.SENDME_INC - 1], 50));
    assertEquals(0, v.inflight());
    assertFalse(v.acked(tags[Vegas.SENDME_INC - 1], 60), "a replayed SENDME");
  }
}
