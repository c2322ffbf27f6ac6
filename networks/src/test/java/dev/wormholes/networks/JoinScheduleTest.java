package dev.wormholes.networks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link JoinSchedule} on a fake clock (ms): request rounds, follow-ups, the timeout. */
class JoinScheduleTest {
  private static final InetSocketAddress LAN = new InetSocketAddress("192.168.1.2", 4000);
  private static final InetSocketAddress PUBLIC = new InetSocketAddress("203.0.113.7", 4000);
  private static final InetSocketAddress FORGED = new InetSocketAddress("198.51.100.9", 4000);

  @Test
  void theRequestGoesToEveryEndpointAtZeroOneThreeAndSevenSecondsThenTheJoinFailsAtFifteen() {
    long t0 = 5_000_000;
    JoinSchedule s = new JoinSchedule(List.of(LAN, PUBLIC), t0);
    List<Long> sent = new ArrayList<>();
    long now = t0;
    while (!s.expired(now)) {
      List<InetSocketAddress> to = s.due(now);
      if (!to.isEmpty()) {
        assertEquals(List.of(LAN, PUBLIC), to);
        sent.add(now - t0);
      }
      now = s.nextWake();
    }
    assertEquals(List.of(0L, 1_000L, 3_000L, 7_000L), sent);
    assertEquals(JoinSchedule.TIMEOUT_MS, now - t0, "woken at the timeout");
    assertEquals(List.of(), s.due(now), "nothing after it");
  }

  @Test
  void aLatePollSendsOneRoundAndAChallengeIsFollowedOnceFromAnEndpointAskedThisRound() {
    JoinSchedule s = new JoinSchedule(List.of(LAN, PUBLIC), 0);
    assertEquals(List.of(LAN, PUBLIC), s.due(3_500), "rounds 0 to 2 missed: one round");
    assertEquals(7_000, s.nextWake());
    assertFalse(s.followUp(FORGED), "not an endpoint asked");
    assertTrue(s.followUp(PUBLIC));
    assertFalse(s.followUp(PUBLIC), "once a round");
    s.due(7_000);
    assertTrue(s.followUp(PUBLIC), "a new round");
  }
}
