package dev.wormholes.node.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The driver's composition of attempts: first success wins (the choices are PathLadderTest's, in nat/). */
class PathFinderTest {
  @Test
  void firstSuccessWinsAndAllFailuresFailWithTheLast() {
    CompletableFuture<String> slow = new CompletableFuture<>();
    CompletableFuture<String> fails = new CompletableFuture<>();
    CompletableFuture<String> fast = new CompletableFuture<>();
    CompletableFuture<String> first = PathFinder.firstSuccess(List.of(slow, fails, fast));
    fails.completeExceptionally(new IOException("filtered"));
    assertTrue(!first.isDone());
    fast.complete("punched");
    assertEquals("punched", first.join());

    CompletableFuture<String> a = new CompletableFuture<>();
    CompletableFuture<String> b = new CompletableFuture<>();
    CompletableFuture<String> none = PathFinder.firstSuccess(List.of(a, b));
    a.completeExceptionally(new IOException("one"));
    b.completeExceptionally(new CompletionException(new IOException("two")));
    assertEquals("two", PathFinder.message(none.handle((x, e) -> e).join()));
    assertTrue(PathFinder.firstSuccess(List.<CompletableFuture<String>>of()).isCompletedExceptionally());
  }
}
