package dev.wormholes.node.api;

import dev.wormholes.node.runtime.Transports;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The control API server: Netty's {@link HttpServerCodec} and {@link HttpObjectAggregator} (bodies
 * up to {@link #MAX_BODY} bytes) in front of an {@link ApiHandler}, on one thread of its own, bound
 * to a loopback address only.
 */
public final class ControlApi implements AutoCloseable {
  /** Largest request body accepted; larger ones get 413. */
  public static final int MAX_BODY = 16 * 1024;
  private static final int MAX_HEADER = 8 * 1024;

  private final EventLoopGroup group;
  private final Channel channel;

  private ControlApi(EventLoopGroup group, Channel channel) {
    this.group = group;
    this.channel = channel;
  }

  /**
   * Bind {@code address} (must be loopback) and serve {@code routes} to holders of {@code token}.
   * Throw {@link IllegalArgumentException} for a non-loopback address, {@link IllegalStateException}
   * if the bind fails.
   */
  public static ControlApi start(InetSocketAddress address, String token, ApiRoutes routes) {
    if (address.getAddress() == null || !address.getAddress().isLoopbackAddress()) {
      throw new IllegalArgumentException("the control API listens on loopback only, not on " + address);
    }
    ApiHandler handler = new ApiHandler(token, routes);
    EventLoopGroup group = Transports.newGroup(1, "wormholes-api");
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .channel(Transports.serverChannel())
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline()
                .addLast(new ReadTimeoutHandler(30, TimeUnit.SECONDS))
                .addLast(new HttpServerCodec(4096, MAX_HEADER, 8192))
                .addLast(new Aggregator())
                .addLast(handler);
          }
        });
    try {
      return new ControlApi(group, b.bind(address).sync().channel());
    } catch (Exception e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("cannot bind the control API on " + address + ": " + e.getMessage(), e);
    }
  }

  /** An aggregator whose 413 answer is JSON like every other error. */
  private static final class Aggregator extends HttpObjectAggregator {
    Aggregator() {
      super(MAX_BODY);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
      ApiHandler.tooLarge(ctx, MAX_BODY);
    }
  }

  /** Return the bound address. */
  public InetSocketAddress localAddress() {
    return (InetSocketAddress) channel.localAddress();
  }

  /** Stop listening and release the thread. */
  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
