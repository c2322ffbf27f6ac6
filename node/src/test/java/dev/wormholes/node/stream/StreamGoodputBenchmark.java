package dev.wormholes.node.stream;

import dev.wormholes.node.stream.StreamTestSupport.HashingReceiver;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Goodput of one QUIC stream over loopback, as a fraction of raw loopback TCP goodput measured in
 * the same run, and connection setup time (QUIC + TLS 1.3 handshake with identity certificates,
 * plus the service header round trip). Not part of the test suite. Arguments: megabytes per
 * transfer (default 256), setup samples (default 20).
 */
public final class StreamGoodputBenchmark {
  private static final int CHUNK = 64 * 1024;

  private StreamGoodputBenchmark() {}

  /** Run the benchmark and print the figures. */
  public static void main(String[] args) throws Exception {
    StreamTestSupport.quietLogs();
    long bytes = (args.length > 0 ? Long.parseLong(args[0]) : 256) << 20;
    int samples = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    tcpGoodput(32L << 20); // warm-up
    double tcp = tcpGoodput(bytes);
    try (StreamTransport server = StreamTransport.builder(StreamTestSupport.newIdentity()).build();
        StreamTransport client = StreamTransport.builder(StreamTestSupport.newIdentity()).build()) {
      CompletableFuture<HashingReceiver>[] sink = new CompletableFuture[1];
      server.expose("sink", Exposure.open(s -> {
        HashingReceiver r = new HashingReceiver();
        s.channel().pipeline().addLast(r);
        s.accept();
        sink[0].complete(r);
      }));
      quicGoodput(server, client, sink, 32L << 20); // warm-up
      double quic = quicGoodput(server, client, sink, bytes);
      double[] setup = setupTimes(server, client, samples);
      System.out.printf("loopback TCP goodput      : %8.1f MB/s (%d MB)%n", tcp / 1e6, bytes >> 20);
      System.out.printf("one QUIC stream goodput   : %8.1f MB/s (%d MB)%n", quic / 1e6, bytes >> 20);
      System.out.printf("ratio QUIC stream / TCP   : %8.3f%n", quic / tcp);
      System.out.printf("connection setup (ms)     : median %.2f, min %.2f, max %.2f over %d%n",
          setup[setup.length / 2], setup[0], setup[setup.length - 1], setup.length);
    }
  }

  /** Return bytes per second of one blocking TCP transfer over 127.0.0.1, measured at the reader. */
  static double tcpGoodput(long bytes) throws Exception {
    try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), ss.getLocalPort());
            OutputStream o = s.getOutputStream()) {
          byte[] buf = StreamTestSupport.payload(CHUNK, 1);
          for (long sent = 0; sent < bytes; sent += CHUNK) {
            o.write(buf, 0, (int) Math.min(CHUNK, bytes - sent));
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      try (Socket s = ss.accept(); InputStream in = s.getInputStream()) {
        byte[] buf = new byte[CHUNK];
        long t0 = System.nanoTime();
        long got = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
          got += n;
        }
        long t1 = System.nanoTime();
        writer.get(60, TimeUnit.SECONDS);
        if (got != bytes) {
          throw new IllegalStateException("TCP lost bytes: " + got);
        }
        return got * 1e9 / (t1 - t0);
      }
    }
  }

  /** Return bytes per second of one stream carrying {@code bytes}, measured at the receiver. */
  static double quicGoodput(StreamTransport server, StreamTransport client,
      CompletableFuture<HashingReceiver>[] sink, long bytes) throws Exception {
    sink[0] = new CompletableFuture<>();
    SecureStream s = client.connect(server.localAddress(), server.nodeId(), "sink")
        .get(10, TimeUnit.SECONDS);
    HashingReceiver r = sink[0].get(10, TimeUnit.SECONDS);
    long t0 = System.nanoTime();
    s.channel().pipeline().addLast(new PacedSender(bytes));
    s.start();
    r.done.get(300, TimeUnit.SECONDS);
    long t1 = System.nanoTime();
    if (r.count() != bytes) {
      throw new IllegalStateException("stream lost bytes: " + r.count());
    }
    io.netty.handler.codec.quic.QuicConnectionPathStats p =
        s.channel().parent().collectPathStats(0).get(5, TimeUnit.SECONDS);
    System.out.printf("  sender path: sent %d, lost %d, retrans %d, rtt %d us, cwnd %d, pmtu %d%n",
        p.sent(), p.lost(), p.retrans(), p.rtt() / 1000, p.cwnd(), p.pmtu());
    s.channel().parent().close().sync();
    return bytes * 1e9 / (t1 - t0);
  }

  /** Return sorted milliseconds from connect() to an accepted stream on a fresh connection. */
  static double[] setupTimes(StreamTransport server, StreamTransport client, int n)
      throws Exception {
    server.expose("nop", Exposure.open(SecureStream::accept));
    double[] ms = new double[n];
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      SecureStream s = client.connect(server.localAddress(), server.nodeId(), "nop")
          .get(10, TimeUnit.SECONDS);
      ms[i] = (System.nanoTime() - t0) / 1e6;
      s.channel().parent().close().sync(); // the next connect must dial a new connection
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (client.dialledConnections() > 0 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
    }
    Arrays.sort(ms);
    return ms;
  }

  /** Write {@code total} bytes as fast as the stream takes them, then end the output. */
  private static final class PacedSender extends ChannelInboundHandlerAdapter {
    private final ByteBuf chunk = Unpooled.unreleasableBuffer(
        Unpooled.directBuffer(CHUNK).writeBytes(StreamTestSupport.payload(CHUNK, 2)));
    private long left;

    PacedSender(long total) {
      this.left = total;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      ctx.executor().execute(() -> pump(ctx));
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      pump(ctx);
      ctx.fireChannelWritabilityChanged();
    }

    private void pump(ChannelHandlerContext ctx) {
      DuplexChannel ch = (DuplexChannel) ctx.channel();
      while (left > 0 && ch.isWritable()) {
        int n = (int) Math.min(CHUNK, left);
        left -= n;
        ctx.write(chunk.retainedSlice(0, n));
      }
      ctx.flush();
      if (left == 0) {
        left = -1;
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> ch.shutdownOutput());
      }
    }
  }
}
