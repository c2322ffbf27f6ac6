package dev.wormholes.node.stream;

import dev.wormholes.node.stream.ServiceHeader.Malformed;
import dev.wormholes.node.stream.ServiceHeader.Request;
import dev.wormholes.node.stream.ServiceHeader.Status;
import dev.wormholes.proto.NodeId;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of every stream a peer opens: read the service request, check that the
 * service is exposed and its {@link StreamGate} lets the peer in, then hand the stream to the service's acceptor (which
 * answers OK) or answer a refusal with a reason. Bad bytes never throw out of here.
 */
final class ServiceAcceptHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceAcceptHandler.class);
  /** Longest request: two header bytes and a 63-byte name. */
  private static final int MAX_REQUEST = 2 + ServiceHeader.MAX_NAME;
  /** How long the opener has to send its request. */
  static final long REQUEST_TIMEOUT_MS = 10_000;

  private final Function<String, Exposure> services;
  private final StreamGate gate;
  private final NodeId peer;
  private final StreamBytes bytes;
  private ByteBuf buffer;
  private ScheduledFuture<?> timeout;
  private boolean done;

  ServiceAcceptHandler(Function<String, Exposure> services, StreamGate gate, NodeId peer, StreamBytes bytes) {
    this.services = services;
    this.gate = gate;
    this.peer = peer;
    this.bytes = bytes;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    buffer = ctx.alloc().buffer(MAX_REQUEST);
    timeout = ctx.executor().schedule(() -> {
      if (!done) {
        refuse(ctx, Status.MALFORMED, "no service request within " + REQUEST_TIMEOUT_MS + " ms");
      }
    }, REQUEST_TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    timeout.cancel(false);
    if (buffer != null) {
      buffer.release();
      buffer = null;
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (done || !(msg instanceof ByteBuf)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    ByteBuf in = (ByteBuf) msg;
    try {
      buffer.writeBytes(in, Math.min(in.readableBytes(), MAX_REQUEST - buffer.readableBytes()));
      // Bytes beyond a request are a protocol violation: the opener waits for our answer.
      boolean extra = in.isReadable();
      Object parsed = ServiceHeader.parseRequest(buffer);
      if (parsed instanceof Malformed) {
        refuse(ctx, Status.MALFORMED, ((Malformed) parsed).why());
      } else if (parsed instanceof Request) {
        if (extra || buffer.isReadable()) {
          refuse(ctx, Status.MALFORMED, "bytes sent before the service answered");
        } else {
          dispatch(ctx, ((Request) parsed).service());
        }
      } else if (extra) {
        refuse(ctx, Status.MALFORMED, "request too long");
      }
    } finally {
      in.release();
    }
  }

  private void dispatch(ChannelHandlerContext ctx, String service) {
    Exposure exposure = services.apply(service);
    // One answer for unknown and refused, so that a node cannot learn which services exist to
    // others; the gate counts and keeps the refusal's reason for this node's owner.
    if (exposure == null || gate.refusal(peer, service, exposure).isPresent()) {
      refuse(ctx, Status.UNKNOWN_SERVICE, "service '" + service + "' is not exposed to this node");
      return;
    }
    done = true;
    QuicStreamChannel ch = (QuicStreamChannel) ctx.channel();
    ch.config().setAutoRead(false);
    ctx.pipeline().remove(this);
    bytes.watch(ch, service);
    SecureStream stream = new SecureStream(ch, peer, service, true, null);
    try {
      exposure.acceptor().onStream(stream);
    } catch (Exception | Error e) {
      LOG.warn("acceptor of '{}' failed", service, e);
      SecureStream.refuse(ch, Status.UNAVAILABLE, "service '" + service + "' failed");
    }
  }

  private void refuse(ChannelHandlerContext ctx, Status status, String reason) {
    done = true;
    LOG.debug("refusing stream from {}: {} {}", peer.shortString(), status, reason);
    SecureStream.refuse((QuicStreamChannel) ctx.channel(), status, reason);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("stream from {} failed: {}", peer.shortString(), cause.toString());
    ctx.close();
  }
}
