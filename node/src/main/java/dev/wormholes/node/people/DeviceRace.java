package dev.wormholes.node.people;

import dev.wormholes.people.DeviceTry;
import dev.wormholes.proto.NodeId;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Drives one {@link DeviceTry} of a person's devices for one thing (a stream, an answer) with
 * futures: opens each device the engine starts, hands each end back, and wakes it when its next
 * device is due. Which device starts when and what ends the try are the engine's; a success after
 * the end is handed to the caller's discard (a stream closed). Outcomes are completed outside the
 * lock.
 */
final class DeviceRace<T> {
  /** The clock of the waits before a next device: the node's, or a test's. */
  interface Delay {
    /** Return a future completing {@code ms} milliseconds from now. */
    CompletableFuture<Void> after(long ms);

    /** Return the time now in milliseconds (monotonic). */
    default long now() {
      return System.nanoTime() / 1_000_000L;
    }
  }

  /** The wall clock's delays. */
  static final Delay REAL = ms -> CompletableFuture.runAsync(() -> {},
      CompletableFuture.delayedExecutor(ms, TimeUnit.MILLISECONDS));

  private final DeviceTry engine; // guarded by this
  private final Function<NodeId, CompletableFuture<T>> open;
  private final Predicate<Throwable> isFinal;
  private final Consumer<T> discard;
  private final Delay delay;
  private final CompletableFuture<T> result = new CompletableFuture<>();
  private long wakeAt = Long.MAX_VALUE; // guarded by this

  private DeviceRace(List<NodeId> order, Function<NodeId, CompletableFuture<T>> open,
      Predicate<Throwable> isFinal, Consumer<T> discard, Delay delay) {
    this.engine = new DeviceTry(order);
    this.open = open;
    this.isFinal = isFinal;
    this.discard = discard;
    this.delay = delay;
  }

  /**
   * Open {@code open} on the devices of {@code order} as {@link DeviceTry} says; complete with the
   * first success, a final failure, or the last failure (an {@link java.io.IOException} when
   * {@code order} is empty).
   */
  static <T> CompletableFuture<T> run(List<NodeId> order, Function<NodeId, CompletableFuture<T>> open,
      Predicate<Throwable> isFinal, Consumer<T> discard, Delay delay) {
    if (order.isEmpty()) {
      return CompletableFuture.failedFuture(new java.io.IOException("no device to try"));
    }
    DeviceRace<T> race = new DeviceRace<>(order, open, isFinal, discard, delay);
    race.step();
    return race.result;
  }

  // Starts what the engine starts now and sets a wake for the next one due.
  private void step() {
    List<NodeId> start;
    long wait = -1;
    long due = 0;
    synchronized (this) {
      long now = delay.now();
      start = engine.poll(now);
      long at = engine.nextWake();
      if (at != Long.MAX_VALUE && at != wakeAt) {
        wakeAt = at;
        due = at;
        wait = Math.max(0, at - now);
      }
    }
    if (wait >= 0) {
      long at = due;
      delay.after(wait).thenRun(() -> {
        synchronized (this) {
          if (wakeAt == at) {
            wakeAt = Long.MAX_VALUE;
          }
        }
        step();
      });
    }
    for (NodeId d : start) {
      CompletableFuture<T> f;
      try {
        f = open.apply(d);
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      f.whenComplete((value, error) -> finished(d, value, error));
    }
  }

  private void finished(NodeId d, T value, Throwable error) {
    if (error == null) {
      boolean won;
      synchronized (this) {
        won = engine.handleSuccess(d);
      }
      if (!won || !result.complete(value)) {
        discard.accept(value);
      }
      return;
    }
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    boolean ended;
    synchronized (this) {
      ended = engine.handleFailure(d, isFinal.test(cause));
    }
    if (ended) {
      result.completeExceptionally(cause);
    } else {
      step();
    }
  }
}
