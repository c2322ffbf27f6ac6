package dev.wormholes.node.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The writer thread: batches what queued during a commit, acknowledges only after the sink returned, keeps order. */
class GroupCommitWriterTest {
  /** A sink that records each transaction and can hold the first one until released. */
  private static final class Sink implements GroupCommitWriter.Sink<Integer> {
    final List<List<Integer>> transactions = new ArrayList<>();
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    volatile boolean fail;

    @Override
    public void commit(List<Integer> writes) {
      entered.countDown();
      await(release);
      if (fail) {
        throw new IllegalStateException("disk full");
      }
      synchronized (this) {
        transactions.add(List.copyOf(writes));
      }
    }
  }

  private static void await(CountDownLatch l) {
    try {
      assertTrue(l.await(10, TimeUnit.SECONDS), "latch");
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void batchesQueuedDuringACommitGoInOneTransactionInOrderAndAckOnlyWhenDurable() {
    Sink sink = new Sink();
    List<Integer> seen = new ArrayList<>();
    try (GroupCommitWriter<Integer> w = new GroupCommitWriter<>("test-writer", sink, seen::addAll)) {
      CompletableFuture<Void> first = w.submit(List.of(1));
      await(sink.entered); // the writer is inside the first commit, held
      CompletableFuture<Void> second = w.submit(List.of(2, 3));
      CompletableFuture<Void> third = w.submit(List.of(4));
      CompletableFuture<Void> fourth = w.submit(List.of(5, 6));
      assertFalse(first.isDone(), "acknowledged before its transaction returned");
      assertFalse(second.isDone() || third.isDone() || fourth.isDone());
      assertEquals(6, w.queuedWrites());

      sink.release.countDown();
      CompletableFuture.allOf(first, second, third, fourth).join();
      synchronized (sink) {
        assertEquals(List.of(List.of(1), List.of(2, 3, 4, 5, 6)), sink.transactions,
            "the three batches queued during the first commit share the second, in submission order");
      }
      assertEquals(2, w.commits());
      assertEquals(6, w.writesCommitted());
      assertEquals(0, w.queuedWrites());
      assertEquals(List.of(1, 2, 3, 4, 5, 6), seen, "afterCommit sees every write, in order");
    }
  }

  @Test
  void aFailedTransactionFailsEveryBatchInIt() {
    Sink sink = new Sink();
    sink.fail = true;
    sink.release.countDown();
    try (GroupCommitWriter<Integer> w = new GroupCommitWriter<>("test-writer", sink, x -> { })) {
      CompletableFuture<Void> f = w.submit(List.of(1, 2));
      CompletionException e = assertThrows(CompletionException.class, f::join);
      assertEquals("disk full", e.getCause().getMessage());
      assertEquals(0, w.commits());
    }
  }

  @Test
  void closeCommitsWhatIsQueuedAndLaterSubmitsFail() {
    Sink sink = new Sink();
    GroupCommitWriter<Integer> w = new GroupCommitWriter<>("test-writer", sink, x -> { });
    CompletableFuture<Void> first = w.submit(List.of(1));
    await(sink.entered);
    CompletableFuture<Void> second = w.submit(List.of(2));
    Thread closer = new Thread(w::close);
    closer.start();
    sink.release.countDown();
    second.join();
    assertTrue(first.isDone());
    try {
      closer.join(10_000);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    assertThrows(CompletionException.class, () -> w.submit(List.of(3)).join());
  }
}
