package dev.wormholes.people;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The outbox's retry schedule on a fake clock: backoff, give-up, answers, the in-flight bound. */
class WhisperOutboxTest {
  private final WhisperOutbox box = new WhisperOutbox();
  private long now = 1_800_000_000_000L;

  @Test
  void failedAttemptsBackOffFromTwoSecondsDoublingToThirty() {
    box.add("a", now, 0, now);
    assertEquals(List.of("a"), box.pollDue(now));
    assertEquals(List.of(), box.pollDue(now), "in flight: not due twice");
    long[] waits = {2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000};
    for (long wait : waits) {
      assertEquals(Optional.of(WhisperOutbox.Next.RETRY), box.handleOutcome("a", WhisperOutbox.Outcome.FAILED, now));
      assertEquals(now + wait, box.dueMs("a").getAsLong());
      now += wait - 1;
      assertEquals(List.of(), box.pollDue(now), "not due before its wait");
      now += 1;
      assertEquals(List.of("a"), box.pollDue(now));
    }
    assertEquals(waits.length, box.attempts("a"));
    assertEquals(30_000, WhisperOutbox.backoff(1000));
  }

  @Test
  void aFailureAfterSevenDaysExpiresAndFinishedWhispersAreForgotten() {
    box.add("old", now, 3, now);
    assertTrue(box.begin("old"));
    now += WhisperOutbox.TTL_MS;
    assertEquals(Optional.of(WhisperOutbox.Next.RETRY), box.handleOutcome("old", WhisperOutbox.Outcome.FAILED, now),
        "exactly seven days: still retried");
    assertTrue(box.begin("old"));
    now += 1;
    assertEquals(Optional.of(WhisperOutbox.Next.EXPIRED), box.handleOutcome("old", WhisperOutbox.Outcome.FAILED, now));
    assertEquals(0, box.size());
    assertEquals(-1, box.attempts("old"));
    assertEquals(Optional.empty(), box.handleOutcome("old", WhisperOutbox.Outcome.STORED, now));
    assertFalse(box.begin("old"));
  }

  @Test
  void storedDeliversAndAFinalRefusalRefusesEvenAfterSevenDays() {
    box.add("s", now, 0, now);
    box.add("r", now, 0, now);
    assertTrue(box.begin("s"));
    assertFalse(box.begin("s"), "one attempt at a time");
    assertTrue(box.begin("r"));
    now += WhisperOutbox.TTL_MS + 1;
    assertEquals(Optional.of(WhisperOutbox.Next.DELIVERED), box.handleOutcome("s", WhisperOutbox.Outcome.STORED, now));
    assertEquals(Optional.of(WhisperOutbox.Next.REFUSED), box.handleOutcome("r", WhisperOutbox.Outcome.REFUSED, now));
    assertEquals(List.of(), box.pollDue(now + 60_000));
  }

  @Test
  void theScheduleRunsAtMostFourAttemptsOldestFirstButTheFirstSendIsNotHeldBack() {
    for (int i = 0; i < 6; i++) {
      box.add("w" + i, now + i, 0, now);
    }
    assertEquals(List.of("w0", "w1", "w2", "w3"), box.pollDue(now));
    assertEquals(List.of(), box.pollDue(now));
    box.add("new", now, 0, now);
    assertTrue(box.begin("new"), "the sender's own first attempt runs beside the four");
    box.handleOutcome("w1", WhisperOutbox.Outcome.STORED, now);
    box.handleOutcome("new", WhisperOutbox.Outcome.STORED, now);
    assertEquals(List.of("w4"), box.pollDue(now));
    box.handleOutcome("w0", WhisperOutbox.Outcome.FAILED, now);
    assertEquals(List.of("w0"), box.pollDue(now + 10_000), "one slot free: the oldest due whisper takes it");
    box.handleOutcome("w2", WhisperOutbox.Outcome.REFUSED, now);
    assertEquals(List.of("w5"), box.pollDue(now + 10_000));
  }

  @Test
  void aWhisperLoadedAtStartKeepsItsAttemptsAndIsDueAtOnce() {
    box.add("back", now - 3_600_000, 5, now);
    box.add("back", now, 0, now + 99_000);
    assertEquals(List.of("back"), box.pollDue(now), "the first add stands");
    box.handleOutcome("back", WhisperOutbox.Outcome.FAILED, now);
    assertEquals(6, box.attempts("back"));
    assertEquals(now + 30_000, box.dueMs("back").getAsLong());
  }

  @Test
  void onlyARateLimitOrNoAnswerIsWorthARetry() {
    assertEquals(WhisperOutbox.Outcome.STORED, WhisperOutbox.outcomeOf(WhisperOutbox.Answer.STORED));
    assertEquals(WhisperOutbox.Outcome.FAILED, WhisperOutbox.outcomeOf(WhisperOutbox.Answer.RATE_LIMITED));
    assertEquals(WhisperOutbox.Outcome.FAILED, WhisperOutbox.outcomeOf(null), "no answer: the recipient may be back later");
    for (WhisperOutbox.Answer a : List.of(WhisperOutbox.Answer.NOT_CONTACT, WhisperOutbox.Answer.MALFORMED,
        WhisperOutbox.Answer.WRONG_RECIPIENT)) {
      assertEquals(WhisperOutbox.Outcome.REFUSED, WhisperOutbox.outcomeOf(a), a + " would be the same next time");
    }
  }

  @Test
  void anAttemptGoesOnToThePersonsNextDeviceUnlessOneStoredItOrItIsMalformed() {
    for (WhisperOutbox.Answer a : java.util.Arrays.asList(null, WhisperOutbox.Answer.RATE_LIMITED,
        WhisperOutbox.Answer.NOT_CONTACT, WhisperOutbox.Answer.WRONG_RECIPIENT)) {
      assertTrue(WhisperOutbox.tryNextDevice(a), a + ": another device may take it");
    }
    assertFalse(WhisperOutbox.tryNextDevice(WhisperOutbox.Answer.STORED));
    assertFalse(WhisperOutbox.tryNextDevice(WhisperOutbox.Answer.MALFORMED), "every device would say so");
  }

  @Test
  void theAttemptsAnswerIsStoredIfOneStoredItRetriedWhileADeviceMayStillTakeItElseTheFirstRefusal() {
    WhisperOutbox.Answer nc = WhisperOutbox.Answer.NOT_CONTACT;
    WhisperOutbox.Answer wr = WhisperOutbox.Answer.WRONG_RECIPIENT;
    WhisperOutbox.Answer rl = WhisperOutbox.Answer.RATE_LIMITED;
    assertEquals(WhisperOutbox.Answer.STORED,
        WhisperOutbox.answerOfDevices(java.util.Arrays.asList(null, nc, WhisperOutbox.Answer.STORED)));
    assertEquals(null, WhisperOutbox.answerOfDevices(java.util.Arrays.asList(nc, null)),
        "the device that did not answer may hold the sender as a contact");
    assertEquals(null, WhisperOutbox.answerOfDevices(java.util.Arrays.asList(rl, null)));
    assertEquals(rl, WhisperOutbox.answerOfDevices(List.of(nc, rl)));
    assertEquals(WhisperOutbox.Outcome.FAILED, WhisperOutbox.outcomeOf(WhisperOutbox.answerOfDevices(List.of(wr, rl))));
    assertEquals(nc, WhisperOutbox.answerOfDevices(List.of(nc, wr)));
    assertEquals(WhisperOutbox.Outcome.REFUSED, WhisperOutbox.outcomeOf(WhisperOutbox.answerOfDevices(List.of(wr, nc))));
    assertEquals(null, WhisperOutbox.answerOfDevices(List.of()), "no device tried: no answer");
  }

  @Test
  void answersKeepTheirWireBytesAndAnUnknownByteIsMalformed() {
    assertEquals(List.of(WhisperOutbox.Answer.STORED, WhisperOutbox.Answer.NOT_CONTACT, WhisperOutbox.Answer.RATE_LIMITED,
        WhisperOutbox.Answer.MALFORMED, WhisperOutbox.Answer.WRONG_RECIPIENT), List.of(WhisperOutbox.Answer.values()));
    assertEquals(WhisperOutbox.Answer.RATE_LIMITED, WhisperOutbox.Answer.of(2));
    assertEquals(WhisperOutbox.Answer.MALFORMED, WhisperOutbox.Answer.of(5));
    assertEquals(WhisperOutbox.Answer.MALFORMED, WhisperOutbox.Answer.of(-1));
  }

  @Test
  void everyIntakeVerdictAnswersAsTheOutboxExpects() {
    for (WhisperIntake.Verdict v : WhisperIntake.Verdict.values()) {
      WhisperOutbox.Outcome o = WhisperOutbox.outcomeOf(v.answer());
      assertEquals(v.stored(), o == WhisperOutbox.Outcome.STORED, v.toString());
      assertEquals(v == WhisperIntake.Verdict.RATE_LIMITED, o == WhisperOutbox.Outcome.FAILED, v + " retried only if rate limited");
    }
  }
}
