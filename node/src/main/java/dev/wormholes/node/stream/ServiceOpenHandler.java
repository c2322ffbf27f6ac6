package dev.wormholes.node.stream;

import dev.wormholes.node.stream.ServiceHeader.Response;
import dev.wormholes.node.stream.ServiceHeader.Status;
import dev.wormholes.proto.NodeId;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletableFuture;

/**
 * The first handler of a stream this node opens: send the service request, read the answer,
 * complete the future with a paused {@link SecureStream} on OK (keeping any bytes that followed
 * the answer) or with a {@link ServiceRefusedException}.
 */
final class ServiceOpenHandler extends ChannelInboundHandlerAdapter {
  /** Longest response: two header bytes and a 255-byte reason. */
  private static final int MAX_RESPONSE = 2 + ServiceHeader.MAX_REASON;

  private final String service;
  private final NodeId peer;
  private final CompletableFuture<SecureStream> result;
  private final StreamBytes bytes;
  private ByteBuf buffer;
  private boolean sent;

  ServiceOpenHandler(String service, NodeId peer, CompletableFuture<SecureStream> result, StreamBytes bytes) {
    this.service = service;
    this.peer = peer;
    this.result = result;
    this.bytes = bytes;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    buffer = ctx.alloc().buffer(64);
    if (ctx.channel().isActive()) {
      sendRequest(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    sendRequest(ctx);
    ctx.fireChannelActive();
  }

  private void sendRequest(ChannelHandlerContext ctx) {
    if (sent) {
      return;
    }
    sent = true;
    ctx.writeAndFlush(ServiceHeader.encodeRequest(ctx.alloc(), service))
        .addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (buffer != null) {
      buffer.release();
      buffer = null;
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (result.isDone() || !(msg instanceof ByteBuf)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    ByteBuf in = (ByteBuf) msg;
    try {
      buffer.writeBytes(in);
    } finally {
      in.release();
    }
    Response r = ServiceHeader.parseResponse(buffer);
    if (r == null) {
      if (buffer.readableBytes() > MAX_RESPONSE) { // cannot happen for a valid peer
        fail(ctx, new ServiceRefusedException(Status.MALFORMED, "response too long"));
      }
      return;
    }
    if (r.status() != Status.OK) {
      fail(ctx, new ServiceRefusedException(r.status(), r.reason()));
      return;
    }
    QuicStreamChannel ch = (QuicStreamChannel) ctx.channel();
    ch.config().setAutoRead(false);
    ByteBuf rest = buffer.readableBytes() > 0 ? buffer.retainedSlice() : null;
    ctx.pipeline().remove(this);
    bytes.watch(ch, service);
    result.complete(new SecureStream(ch, peer, service, false, rest));
  }

  private void fail(ChannelHandlerContext ctx, Throwable cause) {
    result.completeExceptionally(cause);
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    result.completeExceptionally(new ServiceRefusedException(Status.OTHER,
        "stream closed before '" + service + "' answered"));
    ctx.fireChannelInactive();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (!result.isDone() && evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
      fail(ctx, new ServiceRefusedException(Status.OTHER, "peer ended the stream unanswered"));
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(ctx, cause instanceof ClosedChannelException
        ? new ServiceRefusedException(Status.OTHER, "stream closed") : cause);
  }
}
