package dev.wormholes.node.stream;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.socket.DuplexChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copy bytes between two duplex channels (a TCP socket and a QUIC stream, say) with backpressure
 * and half-closure: when one side ends its output, the other side's output is ended after the
 * bytes before it; once both directions have ended (each one's bytes and FIN written out), or
 * either side fails or closes, both close. A side that fails is reset ({@link StreamEnds#abort}).
 *
 * <p>Both channels need {@code ALLOW_HALF_CLOSURE}. TCP sockets must not be epoll channels: on
 * Netty 4.2.18's epoll transport a socket whose input ended cannot wait for writability, which
 * cut relayed streams short (see {@link NettyTransports#tcpGroup()}); {@link #join} refuses them.
 * The two channels may run on different event loops. Install with {@link #join}.
 */
public final class Relay extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(Relay.class);
  private final DuplexChannel to;
  private final State state;

  /** Shared by the two halves: which inputs have ended, and which outputs were ended after them. */
  private static final class State {
    volatile boolean aEnded;
    volatile boolean bEnded;
    /** a's bytes all went out to b, then b's FIN. */
    volatile boolean aDone;
    /** b's bytes all went out to a, then a's FIN. */
    volatile boolean bDone;
  }

  private final boolean isA;
  // Touched only on this half's event loop.
  private boolean flushScheduled;

  private Relay(DuplexChannel to, State state, boolean isA) {
    this.to = to;
    this.state = state;
    this.isA = isA;
  }

  /**
   * Add a relay half to the end of both pipelines. Reading is left as the caller set it.
   *
   * @throws IllegalArgumentException if either channel is an epoll stream channel
   */
  public static void join(DuplexChannel a, DuplexChannel b) {
    requireNotEpoll(a);
    requireNotEpoll(b);
    State s = new State();
    a.pipeline().addLast(new Relay(b, s, true));
    b.pipeline().addLast(new Relay(a, s, false));
  }

  private static void requireNotEpoll(DuplexChannel ch) {
    if (ch instanceof AbstractEpollStreamChannel) {
      throw new IllegalArgumentException("relay over an epoll socket would cut streams after a"
          + " half-closure (Netty 4.2.18); use NettyTransports.tcpGroup(): " + ch);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    to.write(msg).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
    if (!to.isWritable()) {
      setAutoRead((DuplexChannel) ctx.channel(), false);
    }
  }

  /**
   * Let {@code source} read exactly while {@code sink} is writable. Runs on {@code source}'s own
   * loop and reads the sink's writability when it runs: with the two channels on different loops,
   * deciding on the sink's loop lost wake-ups (the sink drained and resumed the source while the
   * source's loop, having seen the sink full a moment earlier, paused it again; nothing resumed it
   * and the stream stalled until QUIC's idle timeout).
   */
  private static void follow(DuplexChannel source, Channel sink) {
    if (source.eventLoop().inEventLoop()) {
      setAutoRead(source, sink.isWritable());
    } else {
      source.eventLoop().execute(() -> setAutoRead(source, sink.isWritable()));
    }
  }

  /**
   * Flush once per event-loop turn, not once per read: a QUIC stream completes a read for every
   * packet it is handed (about 1.3 KB), so flushing here cost a TCP write system call per packet.
   * The flush runs as a task after the loop's current batch of I/O; a channel that turns
   * unwritable meanwhile pauses its source above, and this flush drains it.
   */
  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (!flushScheduled) {
      flushScheduled = true;
      ctx.executor().execute(this::flushNow);
    }
  }

  private void flushNow() {
    flushScheduled = false;
    to.flush();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    // Our channel drained: let the other side read again (and the reverse when it fills).
    follow(to, ctx.channel());
    ctx.fireChannelWritabilityChanged();
  }

  /** Pause or resume reading {@code ch}, unless its input has ended (nothing left to read). */
  private static void setAutoRead(DuplexChannel ch, boolean on) {
    if (ch.isActive() && !ch.isInputShutdown()) {
      ch.config().setAutoRead(on);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      LOG.debug("relay: input of {} ended", ctx.channel());
      if (isA) {
        state.aEnded = true;
      } else {
        state.bEnded = true;
      }
      Channel self = ctx.channel();
      // Close once both directions are done, not once both inputs ended: the other direction's
      // bytes may still wait in this channel's outbound queue, and closing it would drop them and
      // end the stream (a QUIC close sends a FIN) as if they had never been sent.
      to.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> StreamEnds.endOutput(to)
          .addListener(g -> {
            if (isA) {
              state.aDone = true;
            } else {
              state.bDone = true;
            }
            if (state.aDone && state.bDone) {
              to.close();
              self.close();
            }
          }));
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    LOG.debug("relay: {} closed", ctx.channel());
    boolean clean = isA ? state.aEnded : state.bEnded;
    // The other side's loop may be shutting down with its transport (TCP sockets live on the
    // shared NIO loop): then it closes its channels itself, and a write there would be refused.
    if (!to.eventLoop().isShuttingDown()) {
      if (clean) {
        to.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      } else {
        StreamEnds.abort(to);
      }
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("relay {} -> {} failed: {}", ctx.channel(), to, cause.toString());
    StreamEnds.abort((DuplexChannel) ctx.channel()); // bytes were lost: neither side may read an end
    StreamEnds.abort(to);
  }
}
