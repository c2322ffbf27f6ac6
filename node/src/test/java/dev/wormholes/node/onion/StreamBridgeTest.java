package dev.wormholes.node.onion;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The exit's pause, on a real loopback TCP socket: a source that writes far faster than the circuit
 * takes (here the circuit takes nothing) is read only up to the bridge's mark plus one read, so
 * the bytes waiting in the node stay bounded while the source waits in its socket; once the
 * circuit takes what was read, reading resumes and every byte arrives.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StreamBridgeTest {
  private static final int TOTAL = 32 << 20;

  @Test
  void aSourceFasterThanTheCircuitWaitsInItsSocketNotInTheBridge() throws Exception {
    ExecutorService agentLoop = Executors.newSingleThreadExecutor();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    AtomicLong received = new AtomicLong();
    AtomicBoolean circuitTakes = new AtomicBoolean();
    StreamBridge.Agent agent = new StreamBridge.Agent() {
      @Override
      public void execute(Runnable task) {
        agentLoop.execute(task);
      }

      @Override
      public void fromChannel(StreamBridge b, List<byte[]> reads) {
        int n = reads.stream().mapToInt(r -> r.length).sum();
        received.addAndGet(n);
        if (circuitTakes.get()) {
          b.sent(n, 0);
        }
      }

      @Override
      public void channelInputEnded(StreamBridge b) {}

      @Override
      public void channelGone(StreamBridge b) {}

      @Override
      public void consumed(StreamBridge b, int cells) {}
    };
    CompletableFuture<StreamBridge> bridge = new CompletableFuture<>();
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread source = new Thread(() -> {
        try (Socket s = server.accept(); OutputStream out = s.getOutputStream()) {
          byte[] chunk = new byte[64 << 10];
          for (int sent = 0; sent < TOTAL; sent += chunk.length) {
            out.write(chunk);
          }
        } catch (Exception e) {
          // the test's assertions report what arrived
        }
      }, "fast-source");
      source.setDaemon(true);
      source.start();
      new Bootstrap().group(group).channel(NioSocketChannel.class)
          .handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              StreamBridge b = new StreamBridge(agent, 1, 1, (DuplexChannel) ch);
              ch.pipeline().addLast(b);
              bridge.complete(b);
            }
          })
          .connect(server.getLocalSocketAddress()).sync();

      long bound = 2L * StreamBridge.PAUSE_BYTES; // the mark plus one read (at most 64 KiB)
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> received.get() >= StreamBridge.PAUSE_BYTES);
      Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
          .until(() -> received.get() <= bound);
      assertTrue(received.get() <= bound, "read " + received.get() + " with nothing taken by the circuit");

      circuitTakes.set(true);
      long held = received.get();
      agentLoop.execute(() -> bridge.join().sent((int) held, 0)); // the circuit takes what waited
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> received.get() == TOTAL);
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      agentLoop.shutdownNow();
    }
  }
}
