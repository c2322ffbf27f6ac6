package dev.wormholes.node.people;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.people.DeviceChoice;
import dev.wormholes.proto.NodeId;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** {@link DeviceRace} on a fake clock: a silent device holds up the next one a few seconds, not a timeout. */
class DeviceRaceTest {
  private final NodeId a = NodeId.ofWords(1, 0, 0, 0);
  private final NodeId b = NodeId.ofWords(2, 0, 0, 0);
  private final NodeId c = NodeId.ofWords(3, 0, 0, 0);
  private final List<NodeId> started = new ArrayList<>();
  private final Map<NodeId, CompletableFuture<String>> pending = new HashMap<>();
  private final List<String> discarded = new ArrayList<>();
  private final FakeClock clock = new FakeClock();

  /** Delays that complete when the test moves its clock past them. */
  static final class FakeClock implements DeviceRace.Delay {
    private long now;
    private final List<Map.Entry<Long, CompletableFuture<Void>>> due = new ArrayList<>();

    @Override
    public CompletableFuture<Void> after(long ms) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      due.add(Map.entry(now + ms, f));
      return f;
    }

    @Override
    public long now() {
      return now;
    }

    void advance(long ms) {
      now += ms;
      for (Map.Entry<Long, CompletableFuture<Void>> e : List.copyOf(due)) {
        if (e.getKey() <= now) {
          due.remove(e);
          e.getValue().complete(null);
        }
      }
    }
  }

  private CompletableFuture<String> race(List<NodeId> order) {
    return DeviceRace.run(order, d -> {
      started.add(d);
      CompletableFuture<String> f = new CompletableFuture<>();
      pending.put(d, f);
      return f;
    }, e -> e.getMessage().startsWith("refused"), discarded::add, clock);
  }

  @Test
  void aSilentDeviceHoldsUpTheNextOneOnlyUntilTheStagger() {
    CompletableFuture<String> r = race(List.of(a, b, c));
    assertEquals(List.of(a), started);
    clock.advance(DeviceChoice.NEXT_DEVICE_AFTER_MS - 1);
    assertEquals(List.of(a), started);
    clock.advance(1);
    assertEquals(List.of(a, b), started); // a still silent: b beside it
    pending.get(b).complete("b");
    assertEquals("b", r.join());
    clock.advance(DeviceChoice.NEXT_DEVICE_AFTER_MS);
    assertEquals(List.of(a, b), started); // won: nobody else is asked
    pending.get(a).complete("a"); // the dead one answers late: handed back to be closed
    assertEquals(List.of("a"), discarded);
  }

  @Test
  void aFailureStartsTheNextAtOnceAndEveryFailureEndsWithTheLast() {
    CompletableFuture<String> r = race(List.of(a, b));
    pending.get(a).completeExceptionally(new IOException("no answer from a"));
    assertEquals(List.of(a, b), started); // no wait after a failure
    assertFalse(r.isDone());
    clock.advance(DeviceChoice.NEXT_DEVICE_AFTER_MS); // a's stagger fires after b started: nothing more
    assertEquals(List.of(a, b), started);
    pending.get(b).completeExceptionally(new IOException("no answer from b"));
    CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, r::join);
    assertEquals("no answer from b", e.getCause().getMessage());
  }

  @Test
  void aFinalFailureIsTheOutcomeAtOnce() {
    CompletableFuture<String> r = race(List.of(a, b, c));
    clock.advance(DeviceChoice.NEXT_DEVICE_AFTER_MS);
    IOException refusal = new IOException("refused: not a contact");
    pending.get(b).completeExceptionally(refusal);
    assertTrue(r.isCompletedExceptionally());
    assertSame(refusal, org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, r::join).getCause());
    assertEquals(List.of(a, b), started);
    assertTrue(DeviceRace.run(List.<NodeId>of(), d -> CompletableFuture.completedFuture("x"), e -> false, x -> {},
        clock).isCompletedExceptionally());
  }
}
