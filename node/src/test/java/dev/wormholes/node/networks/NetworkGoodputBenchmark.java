package dev.wormholes.node.networks;

import dev.wormholes.node.NodeConfig;
import dev.wormholes.node.WormholesNode;
import dev.wormholes.node.it.TcpServices;
import dev.wormholes.node.store.ServiceRecord;
import dev.wormholes.node.stream.SecureStream;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Goodput of a stream inside a private network against a public direct stream, in one run (not
 * part of the test suite).
 *
 * <p>Two in-process nodes on 127.0.0.1 in the public network and in private network "bench"; B
 * exposes a local TCP source that writes MB megabytes and closes, as {@code src} (public) and as
 * {@code srcnet} (to the network only). Each round A downloads it over a public direct QUIC
 * connection and over the network's connection (QUIC packets sealed in the network's datagrams),
 * and prints both rates and the ratio network / public, then the median ratio. On loopback the
 * public connection uses the loopback codecs (packets up to the loopback MTU); the network's
 * connection uses 1,350-byte packets, each sealed in a datagram of its own, as on any real path.
 *
 * <pre>
 * MAVEN_OPTS="--add-opens java.base/java.nio=ALL-UNNAMED --add-exports java.base/sun.nio.ch=ALL-UNNAMED \
 *   --add-opens java.base/com.sun.crypto.provider=ALL-UNNAMED" \
 * ./mvnw -q -B -pl node test-compile org.codehaus.mojo:exec-maven-plugin:3.5.0:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.wormholes.node.networks.NetworkGoodputBenchmark -Dexec.args="MB ROUNDS"
 * </pre>
 *
 * <p>Figures are in node/README.md, beside this command. The gap is the loopback codecs'
 * large packets against one sealed 1,350-byte packet per datagram (each copied, sealed and opened).
 */
public final class NetworkGoodputBenchmark {
  private NetworkGoodputBenchmark() {}

  /** Run with MB per download (default 32) and rounds (default 3). */
  public static void main(String[] args) throws Exception {
    int mb = args.length > 0 ? Integer.parseInt(args[0]) : 32;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    long bytes = (long) mb << 20;
    WormholesNode a = null;
    WormholesNode b = null;
    try (ServerSocket source = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      TcpServices.source(source, bytes);
      a = node();
      b = node();
      a.networks().create("bench").join();
      b.networks().join(a.networks().invite("bench", false, 60).join(), null).join();
      String target = "127.0.0.1:" + source.getLocalPort();
      b.streams().expose(new ServiceRecord("src", target, List.of(), true));
      b.streams().expose(new ServiceRecord("srcnet", target, List.of(), false, "bench"));
      WormholesNode client = a;
      WormholesNode server = b;
      InetSocketAddress bAt = server.udpAddress();
      Supplier<CompletableFuture<SecureStream>> direct = () -> client.streams().transport()
          .connect(bAt, server.id(), "src", 0);
      Supplier<CompletableFuture<SecureStream>> inside = () -> client.networks().dial("bench", server.id(), "srcnet");
      download(direct, bytes);
      download(inside, bytes); // warm both connections (handshakes, JIT)
      List<Double> ratios = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        double d = rate(bytes, download(direct, bytes));
        double n = rate(bytes, download(inside, bytes));
        ratios.add(n / d);
        System.out.printf(Locale.ROOT, "round %d: public direct %.1f MB/s, inside the network %.1f MB/s,"
            + " network / public %.3f%n", r, d, n, n / d);
      }
      ratios.sort(Comparator.naturalOrder());
      System.out.printf(Locale.ROOT, "median network / public: %.3f over %d rounds of %d MB%n",
          ratios.get(ratios.size() / 2), rounds, mb);
    } finally {
      if (a != null) {
        a.close();
      }
      if (b != null) {
        b.close();
      }
    }
  }

  private static WormholesNode node() {
    return WormholesNode.start(NodeConfig.builder().inMemory(true).api(null).lanDiscovery(false)
        .portMapping(false).streams(true).socks(null).listen(new InetSocketAddress("127.0.0.1", 0)).build());
  }

  private static double rate(long bytes, long nanos) {
    return bytes / 1e6 / (nanos / 1e9);
  }

  /** Open a stream with {@code open} (retried for 30 s while the network settles), read it to its end; return nanos. */
  private static long download(Supplier<CompletableFuture<SecureStream>> open, long expected) throws Exception {
    long t0 = System.nanoTime();
    SecureStream s = null;
    for (int i = 0; i < 60 && s == null; i++) {
      try {
        s = open.get().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        Thread.sleep(500); // the member's contact or record may not be there yet
        t0 = System.nanoTime();
      }
    }
    if (s == null) {
      throw new IllegalStateException("no stream within 30 s");
    }
    CompletableFuture<Long> got = new CompletableFuture<>();
    s.channel().pipeline().addLast(new ChannelInboundHandlerAdapter() {
      private long n;

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        n += ((ByteBuf) msg).readableBytes();
        ((ByteBuf) msg).release();
      }

      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
          got.complete(n);
          ctx.close();
        }
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        got.complete(n);
      }
    });
    s.start();
    long n = got.get(120, TimeUnit.SECONDS);
    long took = System.nanoTime() - t0;
    if (n != expected) {
      throw new IOException("got " + n + " bytes, not " + expected);
    }
    return took;
  }
}
