package dev.wormholes.node.stream;

import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionStats;
import io.netty.util.concurrent.Future;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Bounds a stream open by the connection's signs of life: if the connection has received no
 * packet at all {@code silenceMs} after the open began (a live node acknowledges the request within
 * about a round trip, however slow its service is to answer), the open fails with {@link
 * SilentConnectionException} and the connection is closed, so that nothing more is sent into it.
 * An open that hears anything in time is left to its service's answer.
 */
final class SilenceWatch {
  private SilenceWatch() {}

  /** Watch the open of {@code result} over {@code conn} to {@code node} (from any thread). */
  static void watch(QuicChannel conn, String node, long silenceMs, CompletableFuture<?> result) {
    conn.collectStats().addListener((Future<QuicConnectionStats> before) -> {
      if (!before.isSuccess()) {
        return; // the connection is gone: the open fails by itself
      }
      long received = before.getNow().recv();
      conn.eventLoop().schedule(() -> {
        if (result.isDone()) {
          return;
        }
        conn.collectStats().addListener((Future<QuicConnectionStats> after) -> {
          if (after.isSuccess() && after.getNow().recv() == received
              && result.completeExceptionally(new SilentConnectionException(node, silenceMs))) {
            conn.close();
          }
        });
      }, silenceMs, TimeUnit.MILLISECONDS);
    });
  }
}
