package dev.wormholes.node.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelOutputShutdownException;
import io.netty.channel.socket.DuplexChannel;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Why relays' TCP sockets run on NIO ({@link NettyTransports#tcpGroup()}): plain Netty, no
 * Wormholes code. A server socket with half-closure allowed reads its client's FIN while it has
 * nothing to write, then writes 8 MiB to that client, which reads nothing for a while. On Netty
 * 4.2.18's epoll transport the writes fail with {@code ChannelOutputShutdownException} caused by
 * {@code epoll_ctl(EPOLL_CTL_MOD)} = ENOENT and the client sees EOF early; on NIO every byte
 * arrives. The epoll half is a tripwire: when it fails, Netty fixed the bug and the NIO loop for
 * relays may go (compare the process test {@code ConnectGibibyteProcessTest} on epoll).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EpollHalfClosureTrapTest {
  private static final int BYTES = 8 << 20;

  @Test
  void epollCutsTheWritesToAHalfClosedSocketShort() throws Exception {
    assumeTrue(NettyTransports.epoll(), "epoll not available");
    EventLoopGroup g = NettyTransports.newGroup(1);
    try {
      Outcome o = writeAfterClientFin(g, EpollServerSocketChannel.class);
      assertTrue(o.received < BYTES, "epoll delivered all " + o.received + " bytes: the Netty bug is gone");
      Throwable cause = o.writes.get(10, TimeUnit.SECONDS);
      assertInstanceOf(ChannelOutputShutdownException.class, cause);
      assertInstanceOf(UncheckedIOException.class, cause.getCause());
      assertTrue(cause.getCause().getMessage().contains("epoll_ctl"), cause.getCause().getMessage());
    } finally {
      g.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  @Test
  void nioDeliversEveryByte() throws Exception {
    Outcome o = writeAfterClientFin(NettyTransports.tcpGroup(), NettyTransports.tcpServerSocketChannel());
    assertEquals(BYTES, o.received);
    assertEquals(null, o.writes.get(10, TimeUnit.SECONDS));
  }

  /** Bytes the client read before EOF, and the writes' outcome (null: all written). */
  private record Outcome(long received, CompletableFuture<Throwable> writes) {}

  private static Outcome writeAfterClientFin(EventLoopGroup g, Class<? extends ServerChannel> type)
      throws Exception {
    CompletableFuture<Throwable> writes = new CompletableFuture<>();
    Channel server = new ServerBootstrap().group(g).channel(type)
        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .childHandler(new ChannelInboundHandlerAdapter() {
          @Override
          public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
              // After the event loop turn that read the FIN, as a relay's first bytes would come.
              ctx.executor().schedule(() -> writeAll((DuplexChannel) ctx.channel(), writes), 100,
                  TimeUnit.MILLISECONDS);
            }
          }
        })
        .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    try (Socket s = new Socket()) {
      s.setReceiveBufferSize(64 * 1024);
      s.connect(server.localAddress());
      s.setSoTimeout(20_000);
      s.shutdownOutput();
      Thread.sleep(500); // the writes fill the buffers and must wait
      long n = 0;
      byte[] buf = new byte[64 * 1024];
      InputStream in = s.getInputStream();
      for (int r = in.read(buf); r >= 0; r = in.read(buf)) {
        n += r;
      }
      return new Outcome(n, writes);
    } finally {
      server.close().sync();
    }
  }

  private static void writeAll(DuplexChannel ch, CompletableFuture<Throwable> outcome) {
    for (int off = 0; off < BYTES; off += 65536) {
      ch.write(Unpooled.wrappedBuffer(new byte[65536])).addListener(f -> {
        if (!f.isSuccess()) {
          outcome.complete(f.cause());
        }
      });
    }
    ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
      outcome.complete(f.isSuccess() ? null : f.cause());
      ch.shutdownOutput();
    });
  }
}
