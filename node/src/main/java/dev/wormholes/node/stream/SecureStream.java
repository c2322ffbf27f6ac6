package dev.wormholes.node.stream;

import dev.wormholes.node.stream.ServiceHeader.Status;
import dev.wormholes.proto.NodeId;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.quic.QuicStreamChannel;

/**
 * One authenticated, encrypted QUIC stream to a named service of a proven peer.
 *
 * <p>The stream is handed over with reading paused ({@code autoRead} off) so that no byte is lost
 * before its owner has installed handlers: add them to {@link #channel()}'s pipeline, then call
 * {@link #start()} (outgoing streams) or {@link #accept()} (incoming streams). Bytes that arrived
 * together with the service header are delivered first. Half-closure is enabled: a FIN from the
 * peer arrives as a {@code ChannelInputShutdownEvent}.
 */
public final class SecureStream {
  private final QuicStreamChannel channel;
  private final NodeId peer;
  private final String service;
  private final boolean incoming;
  // Touched only on the stream's event loop (start runs there), or before hand-over.
  private ByteBuf leftover;
  private boolean started;

  SecureStream(QuicStreamChannel channel, NodeId peer, String service, boolean incoming,
      ByteBuf leftover) {
    this.channel = channel;
    this.peer = peer;
    this.service = service;
    this.incoming = incoming;
    this.leftover = leftover;
    channel.closeFuture().addListener(f -> channel.eventLoop().execute(this::releaseLeftover));
  }

  /** Return the stream channel: a {@code DuplexChannel} carrying raw application bytes. */
  public QuicStreamChannel channel() {
    return channel;
  }

  /** Return the node id the peer proved in the handshake. */
  public NodeId peer() {
    return peer;
  }

  /** Return the service name this stream was opened for. */
  public String service() {
    return service;
  }

  /** Return whether the peer opened this stream. */
  public boolean incoming() {
    return incoming;
  }

  /** Start delivering bytes to the handlers installed on the channel. Call once. */
  public void start() {
    channel.eventLoop().execute(() -> {
      if (started) {
        return;
      }
      started = true;
      ByteBuf b = leftover;
      leftover = null;
      if (b != null && b.isReadable()) {
        channel.pipeline().fireChannelRead(b);
        channel.pipeline().fireChannelReadComplete();
      } else if (b != null) {
        b.release();
      }
      channel.config().setAutoRead(true);
    });
  }

  /** Answer an incoming stream with OK, then {@link #start()} it. */
  public void accept() {
    requireIncoming();
    channel.writeAndFlush(ServiceHeader.encodeResponse(channel.alloc(), Status.OK, ""))
        .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    start();
  }

  /** Answer an incoming stream with a refusal and close it. */
  public void refuse(Status status, String reason) {
    requireIncoming();
    refuse(channel, status, reason);
  }

  /** Write a refusal on {@code ch}, end its output and close it once the peer has it. */
  static void refuse(QuicStreamChannel ch, Status status, String reason) {
    ch.writeAndFlush(ServiceHeader.encodeResponse(ch.alloc(), status, reason))
        .addListener(f -> StreamEnds.endOutput(ch).addListener(g -> ch.close()));
  }

  private void requireIncoming() {
    if (!incoming) {
      throw new IllegalStateException("only incoming streams are answered");
    }
  }

  private void releaseLeftover() {
    if (leftover != null) {
      leftover.release();
      leftover = null;
    }
  }

  @Override
  public String toString() {
    return "SecureStream(" + service + "@" + peer.shortString() + (incoming ? ", in)" : ", out)");
  }
}
