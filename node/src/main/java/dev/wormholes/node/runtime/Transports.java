package dev.wormholes.node.runtime;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The one place that chooses between epoll (when {@link Epoll#isAvailable()}) and NIO, so that
 * event loop groups and channel classes always match.
 */
public final class Transports {
  private Transports() {}

  /** Return whether the native epoll transport is used. */
  public static boolean epoll() {
    return Epoll.isAvailable();
  }

  /** Return a new event loop group of {@code threads} daemon threads named {@code name}. */
  public static EventLoopGroup newGroup(int threads, String name) {
    IoHandlerFactory f = epoll() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), f);
  }

  /** Return the datagram channel class matching {@link #newGroup}. */
  public static Class<? extends DatagramChannel> datagramChannel() {
    return epoll() ? EpollDatagramChannel.class : NioDatagramChannel.class;
  }

  /** Return the server socket channel class matching {@link #newGroup}. */
  public static Class<? extends ServerChannel> serverChannel() {
    return epoll() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }
}
