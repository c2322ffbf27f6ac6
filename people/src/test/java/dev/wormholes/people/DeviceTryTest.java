package dev.wormholes.people;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.NodeId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One try of a person's devices on a fake clock: a silent device holds up the next one a few seconds, not a timeout. */
class DeviceTryTest {
  private static final long STAGGER = DeviceChoice.NEXT_DEVICE_AFTER_MS;
  private final NodeId a = NodeId.ofWords(1, 0, 0, 0);
  private final NodeId b = NodeId.ofWords(2, 0, 0, 0);
  private final NodeId c = NodeId.ofWords(3, 0, 0, 0);
  private long now = 5_000;

  @Test
  void aSilentDeviceHoldsUpTheNextOneOnlyUntilTheStagger() {
    DeviceTry t = new DeviceTry(List.of(a, b, c));
    assertEquals(List.of(a), t.poll(now));
    assertEquals(now + STAGGER, t.nextWake());
    assertEquals(List.of(), t.poll(now + STAGGER - 1));
    now += STAGGER;
    assertEquals(List.of(b), t.poll(now)); // a still silent: b beside it
    assertEquals(now + STAGGER, t.nextWake()); // measured from b's start
    assertTrue(t.handleSuccess(b));
    assertEquals(new DeviceTry.Won(b), t.outcome().orElseThrow());
    assertEquals(List.of(), t.poll(now + 10 * STAGGER)); // won: nobody else is asked
    assertEquals(Long.MAX_VALUE, t.nextWake());
    assertFalse(t.handleSuccess(a)); // the dead one answers late: to be discarded
    assertEquals(2, t.started());
  }

  @Test
  void aFailureStartsTheNextAtOnceAndEveryFailureEndsWithTheLast() {
    DeviceTry t = new DeviceTry(List.of(a, b));
    assertEquals(List.of(a), t.poll(now));
    assertFalse(t.handleFailure(a, false));
    assertEquals(List.of(b), t.poll(now)); // no wait after a failure
    assertEquals(Long.MAX_VALUE, t.nextWake()); // nobody left to start
    assertEquals(List.of(), t.poll(now + STAGGER));
    assertTrue(t.outcome().isEmpty());
    assertTrue(t.handleFailure(b, false));
    assertEquals(new DeviceTry.Failed(b, false), t.outcome().orElseThrow());
  }

  @Test
  void aFailureBesideASilentDeviceStartsTheNextAtOnceToo() {
    DeviceTry t = new DeviceTry(List.of(a, b, c));
    t.poll(now);
    now += STAGGER;
    assertEquals(List.of(b), t.poll(now));
    assertFalse(t.handleFailure(b, false)); // a still silent
    assertEquals(List.of(c), t.poll(now + 1));
    assertTrue(t.outcome().isEmpty());
    assertFalse(t.handleFailure(a, false)); // c still runs
    assertTrue(t.handleFailure(c, false));
    assertEquals(new DeviceTry.Failed(c, false), t.outcome().orElseThrow());
  }

  @Test
  void aFinalFailureIsTheOutcomeAtOnce() {
    DeviceTry t = new DeviceTry(List.of(a, b, c));
    t.poll(now);
    assertEquals(List.of(b), t.poll(now + STAGGER));
    assertTrue(t.handleFailure(b, true));
    assertEquals(new DeviceTry.Failed(b, true), t.outcome().orElseThrow());
    assertEquals(List.of(), t.poll(now + 10 * STAGGER));
    assertFalse(t.handleSuccess(a)); // after the refusal: discarded
    assertThrows(IllegalArgumentException.class, () -> new DeviceTry(List.of()));
  }
}
