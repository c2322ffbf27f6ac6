package dev.wormholes.node.stream;

import static dev.wormholes.node.stream.StreamTestSupport.newIdentity;
import static dev.wormholes.node.stream.StreamTestSupport.payload;
import static dev.wormholes.node.stream.StreamTestSupport.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.wormholes.proto.Identity;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An exposed service that ends its output first (a greeting, then FIN) and only then reads a
 * large upload, pausing at the start: {@link LocalPortService}'s relay has to wait for
 * writability on a TCP socket whose input has already ended. Every byte must arrive. On Netty
 * 4.2.18's epoll transport this cut the upload short (see {@link NettyTransports#tcpGroup}).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ExposedServiceHalfClosureTest {
  private static final int BYTES = 32 << 20;
  private static final byte[] DATA = payload(BYTES, 23);

  private StreamTransport a;
  private StreamTransport b;
  private Identity bob;
  private ServerSocket service;
  private final CompletableFuture<String> received = new CompletableFuture<>();

  @BeforeEach
  void start() throws Exception {
    StreamTestSupport.quietLogs();
    service = new ServerSocket();
    // A fixed small receive buffer (no autotuning, which may grow to 32 MiB here): the relay's
    // writes towards the paused service soon have to wait.
    service.setReceiveBufferSize(64 * 1024);
    service.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 5);
    Thread t = new Thread(this::serveOnce, "half-closing service");
    t.setDaemon(true);
    t.start();
    bob = newIdentity();
    a = StreamTransport.builder(newIdentity()).build();
    b = StreamTransport.builder(bob).build();
    b.expose("up", Exposure.open(new LocalPortService(
        new InetSocketAddress("127.0.0.1", service.getLocalPort()))));
  }

  private void serveOnce() {
    try (Socket s = service.accept()) {
      Thread.sleep(300); // the stream is accepted and relaying
      s.getOutputStream().write("ready\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      s.shutdownOutput(); // this service says all it has to say first
      Thread.sleep(1_000); // and reads nothing for a while: the buffers towards it fill up
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      long n = 0;
      byte[] buf = new byte[64 * 1024];
      InputStream in = s.getInputStream();
      for (int r = in.read(buf); r >= 0; r = in.read(buf)) {
        md.update(buf, 0, r);
        n += r;
      }
      received.complete(n + " " + HexFormat.of().formatHex(md.digest()));
    } catch (Exception e) {
      received.completeExceptionally(e);
    }
  }

  @AfterEach
  void stop() throws Exception {
    a.close();
    b.close();
    service.close();
  }

  @Test
  void anUploadToAServiceThatEndedItsOutputArrivesWhole() throws Exception {
    SecureStream s = a.connect(b.localAddress(), bob.id(), "up", 0).get(10, TimeUnit.SECONDS);
    // Upload once the greeting and its FIN came through: the relay at B has seen the service's
    // output end before the first byte for it arrives.
    s.channel().pipeline().addLast(new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
      }

      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
          StreamTestSupport.sendAndFinish(s.channel(), DATA);
        }
      }
    });
    s.start();
    assertEquals(BYTES + " " + sha256(DATA), received.get(60, TimeUnit.SECONDS));
  }
}
