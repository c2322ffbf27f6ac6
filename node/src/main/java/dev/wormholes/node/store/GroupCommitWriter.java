package dev.wormholes.node.store;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Group commit on one writer thread: callers {@link #submit} batches of writes from any thread
 * (the event loop in the daemon); the writer takes every batch queued so far and hands them, in
 * submission order, to one {@link Sink#commit} (one durable transaction, one fsync), then completes
 * each batch's future. A future therefore completes only after its writes, and every write
 * submitted before them, are durable; it completes exceptionally if that transaction failed.
 *
 * <p>{@link #close()} commits what is queued, then stops the thread.
 *
 * @param <W> one write (the sink knows how to apply it)
 */
public final class GroupCommitWriter<W> implements AutoCloseable {
  /** Applies writes durably. */
  @FunctionalInterface
  public interface Sink<W> {
    /** Apply {@code writes} in order in one transaction and make it durable before returning; throw if it failed. */
    void commit(List<W> writes);
  }

  private record Batch<W>(List<W> writes, CompletableFuture<Void> durable) { }

  private final Sink<W> sink;
  private final Consumer<List<W>> afterCommit;
  private final Thread thread;
  // Guarded by `this`.
  private final ArrayDeque<Batch<W>> queue = new ArrayDeque<>();
  private int queuedWrites;
  private boolean closing;
  private long commits;
  private long writesCommitted;
  private volatile LongConsumer commitNanos = n -> { };

  /**
   * Start the writer thread. {@code afterCommit} runs on it after each transaction, committed or
   * failed, with the writes it held, before the futures complete.
   */
  public GroupCommitWriter(String name, Sink<W> sink, Consumer<List<W>> afterCommit) {
    this.sink = sink;
    this.afterCommit = afterCommit;
    this.thread = new Thread(this::run, name);
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /** Hand the duration of every committed transaction, in nanoseconds, to {@code nanos} (on the writer thread). */
  public void observeCommits(LongConsumer nanos) {
    this.commitNanos = nanos;
  }

  /** Queue {@code writes} (not empty) and return a future completed once they are durable. */
  public CompletableFuture<Void> submit(List<W> writes) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    synchronized (this) {
      if (closing) {
        f.completeExceptionally(new IllegalStateException("the store is closed"));
        return f;
      }
      queue.add(new Batch<>(List.copyOf(writes), f));
      queuedWrites += writes.size();
      notifyAll();
    }
    return f;
  }

  /** Return the writes queued and not yet committed. */
  public synchronized int queuedWrites() {
    return queuedWrites;
  }

  /** Return the transactions committed so far. */
  public synchronized long commits() {
    return commits;
  }

  /** Return the writes committed so far. */
  public synchronized long writesCommitted() {
    return writesCommitted;
  }

  /** Block until fewer than {@code max} writes are queued (backpressure for a producer faster than the disk). */
  public synchronized void awaitBelow(int max) throws InterruptedException {
    while (queuedWrites >= max && !closing) {
      wait();
    }
  }

  private void run() {
    while (true) {
      List<Batch<W>> taken = new ArrayList<>();
      synchronized (this) {
        while (queue.isEmpty() && !closing) {
          try {
            wait();
          } catch (InterruptedException e) {
            closing = true;
          }
        }
        if (queue.isEmpty()) {
          notifyAll();
          return;
        }
        taken.addAll(queue);
        queue.clear();
      }
      commit(taken);
    }
  }

  private void commit(List<Batch<W>> taken) {
    List<W> all = new ArrayList<>();
    for (Batch<W> b : taken) {
      all.addAll(b.writes());
    }
    Throwable failed = null;
    long t0 = System.nanoTime();
    try {
      sink.commit(all);
      commitNanos.accept(System.nanoTime() - t0);
    } catch (RuntimeException | Error e) {
      failed = e;
    }
    afterCommit.accept(all);
    synchronized (this) {
      queuedWrites -= all.size();
      if (failed == null) {
        commits++;
        writesCommitted += all.size();
      }
      notifyAll();
    }
    for (Batch<W> b : taken) {
      if (failed == null) {
        b.durable().complete(null);
      } else {
        b.durable().completeExceptionally(failed);
      }
    }
  }

  /** Commit what is queued, then stop the writer thread (waits for it). */
  @Override
  public void close() {
    synchronized (this) {
      closing = true;
      notifyAll();
    }
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
