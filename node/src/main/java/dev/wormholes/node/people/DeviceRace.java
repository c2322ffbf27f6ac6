package dev.wormholes.node.people;

import dev.wormholes.people.DeviceChoice;
import dev.wormholes.proto.NodeId;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One try of a person's devices for one thing (a stream, an answer), in the order the node's {@link
 * DeviceOrder} gave: the first device at once; the next one at once when every device started so
 * far failed, and also beside them when none answered within {@link
 * DeviceChoice#NEXT_DEVICE_AFTER_MS} (a dead device costs that, not its whole timeout). The first
 * success is the outcome and a later one is handed to the caller's discard (a stream closed); a
 * failure the caller calls final (a refusal: the person's answer) is the outcome at once; when every
 * device failed, the last failure. Outcomes are completed outside the lock.
 */
final class DeviceRace<T> {
  /** A future completing {@code ms} milliseconds from now (the node's clock, or a test's). */
  interface Delay {
    CompletableFuture<Void> after(long ms);
  }

  /** The wall clock's delays. */
  static final Delay REAL = ms -> CompletableFuture.runAsync(() -> {},
      CompletableFuture.delayedExecutor(ms, TimeUnit.MILLISECONDS));

  private final List<NodeId> order;
  private final Function<NodeId, CompletableFuture<T>> open;
  private final Predicate<Throwable> isFinal;
  private final Consumer<T> discard;
  private final Delay delay;
  private final CompletableFuture<T> result = new CompletableFuture<>();
  // Guarded by this.
  private int started;
  private int running;

  private DeviceRace(List<NodeId> order, Function<NodeId, CompletableFuture<T>> open,
      Predicate<Throwable> isFinal, Consumer<T> discard, Delay delay) {
    this.order = order;
    this.open = open;
    this.isFinal = isFinal;
    this.discard = discard;
    this.delay = delay;
  }

  /**
   * Open {@code open} on the devices of {@code order} as the class says; complete with the first
   * success, a final failure, or the last failure (an {@link java.io.IOException} when {@code order}
   * is empty).
   */
  static <T> CompletableFuture<T> run(List<NodeId> order, Function<NodeId, CompletableFuture<T>> open,
      Predicate<Throwable> isFinal, Consumer<T> discard, Delay delay) {
    if (order.isEmpty()) {
      return CompletableFuture.failedFuture(new java.io.IOException("no device to try"));
    }
    DeviceRace<T> race = new DeviceRace<>(List.copyOf(order), open, isFinal, discard, delay);
    race.startNext();
    return race.result;
  }

  private void startNext() {
    NodeId d;
    int mine;
    synchronized (this) {
      if (result.isDone() || started >= order.size()) {
        return;
      }
      d = order.get(started++);
      running++;
      mine = started;
    }
    if (mine < order.size()) {
      delay.after(DeviceChoice.NEXT_DEVICE_AFTER_MS).thenRun(() -> {
        boolean due;
        synchronized (this) {
          due = started == mine; // nobody started the next one meanwhile
        }
        if (due) {
          startNext();
        }
      });
    }
    CompletableFuture<T> f;
    try {
      f = open.apply(d);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    f.whenComplete(this::finished);
  }

  private void finished(T value, Throwable error) {
    if (error == null) {
      if (!result.complete(value)) {
        discard.accept(value);
      }
      synchronized (this) {
        running--;
      }
      return;
    }
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    boolean next;
    boolean last;
    synchronized (this) {
      running--;
      next = started < order.size();
      last = !next && running == 0;
    }
    if (isFinal.test(cause) || last) {
      result.completeExceptionally(cause);
    } else if (next) {
      startNext();
    }
  }
}
