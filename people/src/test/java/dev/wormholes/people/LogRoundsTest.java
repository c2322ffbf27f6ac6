package dev.wormholes.people;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The key-log poll schedule on a fake clock: six early rounds, then the poll interval; round-robin contacts; hourly republish. */
class LogRoundsTest {
  private long now = 1_000;
  private final LogRounds rounds = new LogRounds(300, now);

  // Advance to the next wake and return the seconds waited.
  private long step() {
    long waited = rounds.nextWake() - now;
    now = rounds.nextWake();
    return waited;
  }

  @Test
  void sixRoundsFiveSecondsApartThenThePollInterval() {
    assertFalse(rounds.pollRound(now + 4));
    List<Long> gaps = new ArrayList<>();
    long last = now;
    while (rounds.rounds() < 9) {
      step();
      if (rounds.pollRound(now)) {
        gaps.add(now - last);
        last = now;
      }
      rounds.pollRepublish(now);
    }
    assertEquals(List.of(5L, 5L, 5L, 5L, 5L, 5L, 300L, 300L, 300L), gaps);
  }

  @Test
  void aLateWakeCountsFromTheRoundItRan() {
    now += 100;
    assertTrue(rounds.pollRound(now));
    assertFalse(rounds.pollRound(now), "once per due time");
    assertEquals(now + LogRounds.EARLY_SECONDS, rounds.nextWake());
  }

  @Test
  void contactsAreReadRoundRobinAtMostThirtyTwoARound() {
    List<Integer> seventy = IntStream.range(0, 70).boxed().toList();
    assertEquals(IntStream.range(0, 32).boxed().toList(), rounds.pick(seventy));
    assertEquals(IntStream.range(32, 64).boxed().toList(), rounds.pick(seventy));
    List<Integer> third = rounds.pick(seventy);
    assertEquals(List.of(64, 65, 66, 67, 68, 69, 0, 1), third.subList(0, 8));
    assertEquals(List.of(0, 1, 2), rounds.pick(List.of(0, 1, 2)).stream().sorted().toList());
    assertEquals(List.of(), rounds.pick(List.of()));
  }

  @Test
  void eventsArePublishedOncePerHour() {
    assertTrue(rounds.firstPublish("0:ab"));
    assertFalse(rounds.firstPublish("0:ab"));
    assertTrue(rounds.firstPublish("1:cd"));
    assertFalse(rounds.pollRepublish(now + LogRounds.REPUBLISH_SECONDS - 1));
    assertFalse(rounds.firstPublish("0:ab"));
    assertTrue(rounds.pollRepublish(now + LogRounds.REPUBLISH_SECONDS));
    assertTrue(rounds.firstPublish("0:ab"));
    assertFalse(rounds.pollRepublish(now + LogRounds.REPUBLISH_SECONDS + 1));
    assertTrue(rounds.nextWake() <= now + LogRounds.EARLY_SECONDS, "the next round comes first");
  }

  @Test
  void theIdsRememberedAreBounded() {
    for (int i = 0; i < 10 * KeyLog.MAX_EVENTS; i++) {
      assertTrue(rounds.firstPublish(i + ":x"));
    }
    assertFalse(rounds.firstPublish("0:x"), "the first ones are still remembered");
  }
}
