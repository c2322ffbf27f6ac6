package dev.wormholes.node.stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A relay whose two inputs have both ended must not close while one direction's bytes still wait in
 * its outbound queue. Here the source's bytes and FIN are read first, the sink (not reading) holds
 * most of them back in the relay, and only then does the sink send its own FIN: the sink must still
 * read every byte before its end. Closing once both inputs had ended dropped the queued bytes and
 * ended the stream cleanly, which is how an onion download through the exit arrived cut short with
 * exit code 0.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RelayLateEndTest {
  private static final int BYTES = 48 * 1024; // under the write buffer's high water mark: no pause

  @Test
  void theSinksLateFinDoesNotDropBytesStillQueuedForIt() throws Exception {
    byte[] payload = new byte[BYTES];
    new SplittableRandom(7).nextBytes(payload);
    try (ServerSocket sources = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ServerSocket sinks = new ServerSocket()) {
      sinks.setReceiveBufferSize(4096); // small, so that most bytes wait in the relay
      sinks.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
      Bootstrap b = new Bootstrap().group(NettyTransports.tcpGroup()).channel(NettyTransports.tcpSocketChannel())
          .option(ChannelOption.ALLOW_HALF_CLOSURE, true).option(ChannelOption.AUTO_READ, false)
          .option(ChannelOption.SO_SNDBUF, 4096).handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {}
          });
      SocketChannel a = (SocketChannel) b.connect(sources.getLocalSocketAddress()).sync().channel();
      SocketChannel z = (SocketChannel) b.connect(sinks.getLocalSocketAddress()).sync().channel();
      try (Socket source = sources.accept(); Socket sink = sinks.accept()) {
        Relay.join(a, z);
        a.config().setAutoRead(true);
        z.config().setAutoRead(true);
        OutputStream out = source.getOutputStream();
        out.write(payload);
        source.shutdownOutput();
        await().atMost(Duration.ofSeconds(10)).until(a::isInputShutdown); // the source's FIN was read
        sink.shutdownOutput(); // both inputs have ended; most of the payload still waits for the sink
        InputStream in = sink.getInputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
          got.write(buf, 0, n);
        }
        assertArrayEquals(payload, got.toByteArray(), "the sink read " + got.size() + " of " + BYTES + " bytes");
      } finally {
        a.close();
        z.close();
      }
    }
  }
}
