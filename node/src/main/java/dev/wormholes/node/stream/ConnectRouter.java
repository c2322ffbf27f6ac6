package dev.wormholes.node.stream;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import java.net.SocketAddress;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the client codec that takes a dial when the socket has two (the loopback one with large
 * packets and the other one).
 *
 * <p>Netty hands a {@code QuicChannel}'s connect to the parent socket's pipeline, from its tail,
 * and the first client codec on the way takes it. So this handler sits at the tail, right after
 * the loopback client codec, and either lets the connect go on (the loopback codec takes it) or
 * passes it to the context right after the other client codec (that codec takes it). Which one
 * comes from the dial: its {@link Dial} handler, first in the {@code QuicChannel}'s pipeline, asks
 * for the loopback codec just around its own connect, and Netty carries the connect from there to
 * this handler synchronously on the event loop (the {@code QuicChannel}'s connect runs on its
 * parent's loop and calls the parent's connect directly). A connect that reaches this handler
 * without a request goes to the other codec, and the dial learns which codec took it, so the
 * demultiplexer always routes the connection's packets to the codec that holds it.
 *
 * <p>Loop-confined.
 */
final class ConnectRouter extends ChannelOutboundHandlerAdapter {
  /** The context right after the non-loopback client codec (set once the pipeline is built). */
  private volatile ChannelHandlerContext otherClientNext;
  /** Whether the next connect is asked to go to the loopback codec. */
  private boolean loopbackAsked;
  /** Whether the last connect went to the loopback codec. */
  private boolean lastLoopback;
  /** Number of connects routed (to see whether a connect passed synchronously). */
  private long routed;

  /** Set the context right after the non-loopback client codec; a connect through it hits that codec. */
  void otherClient(ChannelHandlerContext next) {
    this.otherClientNext = next;
  }

  @Override
  public void connect(ChannelHandlerContext ctx, SocketAddress remote, SocketAddress local,
      ChannelPromise promise) {
    boolean loopback = loopbackAsked;
    loopbackAsked = false;
    lastLoopback = loopback;
    routed++;
    if (loopback) {
      ctx.connect(remote, local, promise);
    } else {
      otherClientNext.connect(remote, local, promise);
    }
  }

  /**
   * The first handler of a dialled {@code QuicChannel}: asks the router for the loopback codec (or
   * not; {@code router} null: there is one client codec) around the channel's connect, then reports which codec took the connection (true: the
   * loopback one) to {@code taken} before any packet of the connection can arrive. Also logs
   * connection-level failures, like {@code StreamTransport}'s connection logger.
   */
  static final class Dial extends ChannelDuplexHandler {
    private static final Logger LOG = LoggerFactory.getLogger(Dial.class);
    private final ConnectRouter router;
    private final boolean loopback;
    private final Consumer<Boolean> taken;

    Dial(ConnectRouter router, boolean loopback, Consumer<Boolean> taken) {
      this.router = router;
      this.loopback = loopback;
      this.taken = taken;
    }

    @Override
    public void connect(ChannelHandlerContext ctx, SocketAddress remote, SocketAddress local,
        ChannelPromise promise) {
      if (router == null) { // one client codec
        ctx.connect(remote, local, promise);
        if (!promise.isDone() || promise.isSuccess()) {
          taken.accept(false);
        }
        return;
      }
      long before = router.routed;
      router.loopbackAsked = loopback;
      try {
        ctx.connect(remote, local, promise);
      } finally {
        router.loopbackAsked = false;
      }
      // Not routed yet (never seen with Netty 4.2.18): the router will find no request and give
      // it to the other codec.
      if (!promise.isDone() || promise.isSuccess()) { // a failed dial has forgotten its id
        taken.accept(router.routed != before && router.lastLoopback);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("QUIC connection {} failed: {}", ctx.channel(), cause.toString());
    }
  }
}
