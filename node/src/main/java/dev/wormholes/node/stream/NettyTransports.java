package dev.wormholes.node.stream;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Pick Netty's epoll transport where it loads (Linux x86_64) and NIO elsewhere, so that event
 * loops and channel classes always match; and give the TCP sockets of relays an NIO loop of their
 * own ({@link #tcpGroup}).
 */
public final class NettyTransports {
  /** The shared loop for relays' TCP sockets, made on first use. */
  private static volatile EventLoopGroup tcpGroup;

  private NettyTransports() {}

  /**
   * Return the process-wide NIO event loop (one daemon thread, made on first use, never shut
   * down) for TCP sockets that a {@link Relay} writes to: SOCKS clients and the local ports of
   * exposed services. Use {@link #tcpSocketChannel()} / {@link #tcpServerSocketChannel()} on it.
   *
   * <p>Not epoll, because of a bug in Netty 4.2.18's epoll transport: when a socket's interest
   * set becomes empty, {@code EpollIoHandler} removes the descriptor from the epoll set
   * ({@code EPOLL_CTL_DEL}) but keeps it marked as added, so the next interest change is an
   * {@code EPOLL_CTL_MOD} that fails with {@code ENOENT}. A half-closure-enabled socket reaches the
   * empty set exactly when its peer's FIN has been read ({@code EPOLLIN} and {@code EPOLLRDHUP}
   * are dropped) while no write is pending. If a later write then has to wait for the peer
   * ({@code EPOLLOUT}), that failure turns into {@code shutdownOutput} with
   * {@code ChannelOutputShutdownException} on every queued write: a download after the client's
   * FIN, or an upload to a service that ended its output first, was cut short and looked
   * complete. NIO keeps its selection key and is not affected. {@code EpollHalfClosureTrapTest}
   * shows the bug and will fail once a Netty upgrade fixes it.
   */
  public static EventLoopGroup tcpGroup() {
    EventLoopGroup g = tcpGroup;
    if (g == null) {
      synchronized (NettyTransports.class) {
        g = tcpGroup;
        if (g == null) {
          g = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("wormholes-tcp", true),
              NioIoHandler.newFactory());
          tcpGroup = g;
        }
      }
    }
    return g;
  }

  /** Return the TCP client channel class for {@link #tcpGroup()}. */
  public static Class<? extends SocketChannel> tcpSocketChannel() {
    return NioSocketChannel.class;
  }

  /** Return the TCP server channel class for {@link #tcpGroup()}. */
  public static Class<? extends ServerSocketChannel> tcpServerSocketChannel() {
    return NioServerSocketChannel.class;
  }

  /** Return whether the epoll transport is in use. */
  public static boolean epoll() {
    return Epoll.isAvailable();
  }

  /** Return a new event loop group of {@code threads} threads (0: Netty's default). */
  public static EventLoopGroup newGroup(int threads) {
    IoHandlerFactory f = epoll() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    return new MultiThreadIoEventLoopGroup(threads, f);
  }

  /** Return the UDP channel class matching {@link #newGroup}. */
  public static Class<? extends DatagramChannel> datagramChannel() {
    return epoll() ? EpollDatagramChannel.class : NioDatagramChannel.class;
  }

  /**
   * Return the TCP client channel class matching {@link #newGroup}; not for sockets a relay
   * writes to after their input may have ended (see {@link #tcpGroup()}).
   */
  public static Class<? extends SocketChannel> socketChannel() {
    return epoll() ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  /** Return the TCP server channel class matching {@link #newGroup} (see {@link #socketChannel()}). */
  public static Class<? extends ServerSocketChannel> serverSocketChannel() {
    return epoll() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }
}
