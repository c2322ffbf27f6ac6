package dev.wormholes.node.stream;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends a stream: its output so that the FIN reaches the peer (the one way to end a QUIC stream
 * here), or the whole stream so that the peer sees a failure ({@link #abort}).
 *
 * <p>Why not {@code shutdownOutput()} directly: quiche (as bundled in netty-codec-native-quic
 * 4.2.18) counts a stream's sending side as complete once every byte up to the final offset is
 * acknowledged, whether or not a frame with the FIN was ever sent (cloudflare/quiche#2525, open).
 * Netty holds back a connection's sending while a batch of received packets is processed, so a FIN
 * written in reaction to a packet (say the peer's own FIN) waits for the end of the batch; if a
 * later packet of the same batch acknowledges the last data, quiche frees the stream and the FIN
 * is never sent: the peer reads every byte and waits for the end forever. Ending the output on a
 * later turn of the event loop, after the batch, writes the FIN when Netty sends at once.
 *
 * <p>What remains (rare, not seen): a FIN written while the congestion window is full of the
 * stream's own last data, with the peer's FIN already read, is lost the same way.
 */
public final class StreamEnds {
  private static final Logger LOG = LoggerFactory.getLogger(StreamEnds.class);

  /** The QUIC application error code of a stream {@link #abort}ed here. */
  public static final int ABORTED = 1;

  private StreamEnds() {}

  /**
   * Close {@code ch} so that its peer sees a failure, not an end: bytes were lost on the way (a QUIC
   * connection died, a socket was reset, an onion circuit broke). A TCP socket is reset (SO_LINGER
   * 0), which a client reads as "connection reset", never as a clean EOF. A QUIC stream is reset
   * both ways (RESET_STREAM and STOP_SENDING with {@link #ABORTED}) before it closes: a plain
   * {@code close()} of a Netty QUIC stream sends a FIN, which the peer would read as a clean end.
   */
  public static void abort(DuplexChannel ch) {
    ch.eventLoop().execute(() -> {
      if (ch instanceof QuicStreamChannel q && ch.isActive()) {
        q.shutdown(ABORTED).addListener(f -> ch.close());
        return;
      }
      if (ch instanceof SocketChannel && ch.isActive()) {
        try {
          ch.config().setOption(ChannelOption.SO_LINGER, 0);
        } catch (RuntimeException e) {
          LOG.debug("cannot set SO_LINGER 0 on {}: {}", ch, e.toString());
        }
      }
      ch.close();
    });
  }

  /** End the output of {@code ch} on a later turn of its event loop; completes when done. */
  public static ChannelFuture endOutput(DuplexChannel ch) {
    ChannelPromise done = ch.newPromise();
    ch.eventLoop().execute(() -> ch.shutdownOutput(done));
    return done;
  }
}
