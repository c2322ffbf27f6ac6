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

/**
 * Pick Netty's epoll transport where it loads (Linux x86_64) and NIO elsewhere, so that event
 * loops and channel classes always match.
 */
public final class NettyTransports {
  private NettyTransports() {}

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

  /** Return the TCP client channel class matching {@link #newGroup}. */
  public static Class<? extends SocketChannel> socketChannel() {
    return epoll() ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  /** Return the TCP server channel class matching {@link #newGroup}. */
  public static Class<? extends ServerSocketChannel> serverSocketChannel() {
    return epoll() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }
}
