package dev.wormholes.node.path;

import dev.wormholes.node.stream.Exposure;
import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.node.stream.StreamEnds;
import dev.wormholes.proto.NodeId;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code ping} over the path in use: open a stream to the node's built-in echo service {@link
 * #SERVICE} and time {@code count} round trips of 8 bytes on it. Every node exposes the echo to
 * everyone; it echoes at most {@link #MAX_ECHO} bytes per stream (no amplification: never more than
 * it received).
 */
public final class Ping {
  /** The built-in echo service's name (reserved: cannot be exposed by a person). */
  public static final String SERVICE = "wh-ping";
  /** Bytes one echo stream answers before it is closed. */
  static final int MAX_ECHO = 64 * 1024;
  /** Longest wait for all the round trips of one ping. */
  static final long TIMEOUT_MS = 10_000;
  /** Most round trips per ping. */
  public static final int MAX_COUNT = 100;

  /**
   * What one ping found.
   *
   * @param path the path the round trips took
   * @param reused whether that path existed before this ping
   * @param rttMs one round-trip time per ping, in milliseconds
   */
  public record Result(Path path, boolean reused, List<Double> rttMs) {}

  private Ping() {}

  /** Return the exposure of the echo service. */
  public static Exposure echo() {
    return Exposure.open(stream -> {
      stream.channel().pipeline().addLast(new Echo());
      stream.accept();
    });
  }

  /**
   * Find or reuse the path to {@code node} (with {@code viaRelay}: open a relayed one), then time
   * {@code count} round trips over it.
   */
  public static CompletableFuture<Result> run(PathFinder finder, NodeId node, int count,
      boolean viaRelay) {
    if (count < 1 || count > MAX_COUNT) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("count must be 1.." + MAX_COUNT));
    }
    boolean reused = !viaRelay && finder.current(node).isPresent();
    return (viaRelay ? finder.relayed(node).thenCompose(path -> finder.open(path, SERVICE)) : finder.open(node, SERVICE))
        .thenCompose(o -> roundTrips(o.stream(), count).thenApply(rtts -> new Result(o.path(), reused, rtts)));
  }

  /** Time {@code count} round trips over {@code stream}, a paused stream to {@link #SERVICE}, then close it. */
  public static CompletableFuture<List<Double>> roundTrips(SecureStream stream, int count) {
    CompletableFuture<List<Double>> out = new CompletableFuture<>();
    stream.channel().pipeline().addLast(new Pinger(count, out));
    stream.start();
    stream.channel().eventLoop().schedule(() -> {
      if (out.completeExceptionally(new SocketTimeoutException("no echo within " + TIMEOUT_MS + " ms"))) {
        stream.channel().close();
      }
    }, TIMEOUT_MS, TimeUnit.MILLISECONDS);
    out.whenComplete((v, e) -> stream.channel().close());
    return out;
  }

  /** The client side: send 8 bytes, wait for them, note the time, repeat. */
  private static final class Pinger extends ChannelInboundHandlerAdapter {
    private final int count;
    private final CompletableFuture<List<Double>> out;
    private final List<Double> rtts = new ArrayList<>();
    private long sentAt;
    private int pending;

    Pinger(int count, CompletableFuture<List<Double>> out) {
      this.count = count;
      this.out = out;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      ctx.channel().eventLoop().execute(() -> send(ctx));
    }

    private void send(ChannelHandlerContext ctx) {
      pending = 8;
      sentAt = System.nanoTime();
      ctx.writeAndFlush(ctx.alloc().buffer(8).writeLong(sentAt)).addListener(f -> {
        if (!f.isSuccess()) {
          out.completeExceptionally(f.cause());
        }
      });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof ByteBuf b) {
          pending -= b.readableBytes();
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
      if (pending <= 0 && !out.isDone()) {
        rtts.add((System.nanoTime() - sentAt) / 1e6);
        if (rtts.size() == count) {
          out.complete(List.copyOf(rtts));
        } else {
          send(ctx);
        }
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      out.completeExceptionally(new java.io.IOException("the echo stream closed after " + rtts.size() + " answers"));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      out.completeExceptionally(cause);
      ctx.close();
    }
  }

  /** The server side: echo what arrives, up to {@link #MAX_ECHO} bytes. */
  static final class Echo extends ChannelInboundHandlerAdapter {
    private long echoed;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf b)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      echoed += b.readableBytes();
      if (echoed > MAX_ECHO) {
        b.release();
        ctx.close();
        return;
      }
      ctx.writeAndFlush(b);
      // Backpressure: a peer that sends but does not read stops being read, so the echo never
      // queues more than the stream's write buffer.
      if (!ctx.channel().isWritable()) {
        ctx.channel().config().setAutoRead(false);
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        ctx.channel().config().setAutoRead(true);
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        StreamEnds.endOutput((DuplexChannel) ctx.channel()).addListener(f -> ctx.close());
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
