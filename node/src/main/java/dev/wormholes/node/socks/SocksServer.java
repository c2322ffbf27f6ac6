package dev.wormholes.node.socks;

import dev.wormholes.node.stream.NettyTransports;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5ServerEncoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.LongAdder;

/**
 * The SOCKS5 proxy on a loopback port: RFC 1928 CONNECT after RFC 1929 username/password
 * authentication with the node's {@link SocksCredentials}, for host names {@code
 * SERVICE.NODE_ID.wh} only (see {@link SocksServerHandler}). Refusing to bind anything but a
 * loopback address keeps it from becoming an open proxy; the password keeps other local users and
 * web pages of a browser pointed at it from acting as the node.
 */
public final class SocksServer implements AutoCloseable {
  /** Seconds a client has to complete the SOCKS negotiation. */
  static final int NEGOTIATION_TIMEOUT_S = 30;
  static final String TIMEOUT = "socks-timeout";
  static final String DECODER = "socks-decoder";
  static final String ENCODER = "socks-encoder";

  private final Channel server;
  private final LongAdder refused = new LongAdder();
  private final LongAdder relayed = new LongAdder();
  private final LongAdder unauthenticated = new LongAdder();

  private SocksServer(Channel server) {
    this.server = server;
  }

  /**
   * Bind on {@code address} (a loopback address; port 0 for any) and serve on the shared TCP loop
   * {@link NettyTransports#tcpGroup()}.
   */
  public static SocksServer bind(InetSocketAddress address, StreamDialer dialer, SocksCredentials credentials)
      throws InterruptedException {
    return bind(address, NettyTransports.tcpGroup(), NettyTransports.tcpServerSocketChannel(),
        dialer, credentials);
  }

  /**
   * Bind on {@code address} (a loopback address; port 0 for any) and serve on {@code group} with
   * server channels of class {@code channel}, which must match the group and must not be epoll:
   * a relay cannot wait to write to an epoll socket whose client has ended its output (see
   * {@link NettyTransports#tcpGroup()}), and every {@code wormholes connect </dev/null} does that.
   */
  public static SocksServer bind(InetSocketAddress address, EventLoopGroup group,
      Class<? extends ServerChannel> channel, StreamDialer dialer, SocksCredentials credentials)
      throws InterruptedException {
    if (EpollServerSocketChannel.class.isAssignableFrom(channel)) {
      throw new IllegalArgumentException("the SOCKS proxy cannot run on epoll sockets (Netty 4.2.18"
          + " half-closure bug): use NettyTransports.tcpGroup()");
    }
    if (!address.getAddress().isLoopbackAddress()) {
      throw new IllegalArgumentException("the SOCKS proxy binds loopback only, not " + address);
    }
    SocksServer[] self = new SocksServer[1];
    Channel ch = new ServerBootstrap().group(group)
        .channel(channel)
        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel c) {
            negotiation(c.pipeline(), dialer, credentials, self[0]);
          }
        })
        .bind(address).sync().channel();
    self[0] = new SocksServer(ch);
    return self[0];
  }

  /** Set up the negotiation of one client connection on {@code p}; {@code server} counts what happens. */
  static void negotiation(ChannelPipeline p, StreamDialer dialer, SocksCredentials credentials, SocksServer server) {
    p.addLast(TIMEOUT, new ReadTimeoutHandler(NEGOTIATION_TIMEOUT_S))
        .addLast(ENCODER, Socks5ServerEncoder.DEFAULT)
        .addLast(DECODER, new Socks5InitialRequestDecoder())
        .addLast(new SocksServerHandler(dialer, credentials, server));
  }

  /** Return the bound address. */
  public InetSocketAddress localAddress() {
    return (InetSocketAddress) server.localAddress();
  }

  /** Return how many requests were refused (any reason). */
  public long refusedCount() {
    return refused.sum();
  }

  /** Return how many requests became relayed streams. */
  public long relayedCount() {
    return relayed.sum();
  }

  /** Return how many clients were refused for offering no password or a wrong one. */
  public long unauthenticatedCount() {
    return unauthenticated.sum();
  }

  void countUnauthenticated() {
    unauthenticated.increment();
  }

  void countRefused() {
    refused.increment();
  }

  void countRelayed() {
    relayed.increment();
  }

  /** Stop accepting; relays already open run on. */
  @Override
  public void close() {
    server.close().syncUninterruptibly();
  }
}
