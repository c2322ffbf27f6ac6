package dev.wormholes.node.stream;

import dev.wormholes.node.stream.ServiceHeader.Status;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;

/**
 * A service acceptor that forwards each accepted stream to a local TCP port: connect to
 * {@code target}, then answer OK and relay; answer {@code UNAVAILABLE} if the port refuses. The
 * TCP socket runs on {@link NettyTransports#tcpGroup()} (NIO: a service may end its output and
 * then still read a long upload, which epoll cannot carry in Netty 4.2.18).
 */
public final class LocalPortService implements ServiceAcceptor {
  private final InetSocketAddress target;
  private final int connectTimeoutMs;

  /** Forward streams to {@code target} (normally a loopback address). */
  public LocalPortService(InetSocketAddress target) {
    this(target, 5_000);
  }

  /** Forward streams to {@code target}, giving up a TCP connect after {@code connectTimeoutMs}. */
  public LocalPortService(InetSocketAddress target, int connectTimeoutMs) {
    this.target = target;
    this.connectTimeoutMs = connectTimeoutMs;
  }

  @Override
  public void onStream(SecureStream stream) {
    ChannelFuture f = new Bootstrap()
        .group(NettyTransports.tcpGroup())
        .channel(NettyTransports.tcpSocketChannel())
        .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMs)
        .handler(new ChannelInboundHandlerAdapter())
        .connect(target);
    f.addListener(x -> {
      if (!x.isSuccess()) {
        stream.refuse(Status.UNAVAILABLE, "service '" + stream.service() + "' is down");
        return;
      }
      SocketChannel tcp = (SocketChannel) f.channel();
      Relay.join(tcp, stream.channel());
      stream.accept();
      tcp.config().setAutoRead(true);
    });
  }

  @Override
  public String toString() {
    return "LocalPortService(" + target + ")";
  }
}
