package dev.wormholes.node.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Goodput of one QUIC stream over loopback, as a fraction of raw loopback TCP goodput measured in
 * the same run, and connection setup time (QUIC + TLS 1.3 handshake with identity certificates,
 * plus the service header round trip). Not part of the test suite.
 *
 * <p>Each round measures TCP, then the transport with its defaults ("tuned": batched reads, GSO
 * sends and, on this loopback socket, the loopback codecs with large packets), with
 * {@code loopbackPayload(0)} ("1350 on loopback": loopback peers get the 1350-byte codecs every
 * other peer gets, the default before the loopback codecs) and with
 * {@code readBatch(1).sendSegments(0).loopbackPayload(0)} ("untuned", the settings before the
 * tuning), interleaved so that all see the same machine load. Besides wall-clock goodput it
 * prints the CPU time each side's event loop spent per MB, which a loaded machine disturbs much
 * less. Setup time is measured twice: with the default Retry policy (none at this rate) and with
 * a server that asks every client for a Retry, and with 1350-byte packets on loopback. The receiver counts bytes without hashing them (the TCP reader does not hash either;
 * the stream tests check content by SHA-256). Arguments: megabytes per transfer (default 256),
 * setup samples (default 20), rounds (default 3).
 */
public final class StreamGoodputBenchmark {
  private static final int CHUNK = 64 * 1024;
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private StreamGoodputBenchmark() {}

  /** One transfer's figures: bytes per second and event-loop CPU ms per MB at each end. */
  record Transfer(double goodput, double senderCpuMsPerMb, double receiverCpuMsPerMb) {}

  /** Run the benchmark and print the figures. */
  public static void main(String[] args) throws Exception {
    StreamTestSupport.quietLogs();
    long bytes = (args.length > 0 ? Long.parseLong(args[0]) : 256) << 20;
    int samples = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    tcpGoodput(32L << 20); // warm-up
    quicGoodput(tuned(true), 32L << 20);
    quicGoodput(small(), 32L << 20);
    quicGoodput(tuned(false), 32L << 20);
    double[] tcp = new double[rounds];
    Transfer[] on = new Transfer[rounds];
    Transfer[] mid = new Transfer[rounds];
    Transfer[] off = new Transfer[rounds];
    for (int i = 0; i < rounds; i++) {
      tcp[i] = tcpGoodput(bytes);
      on[i] = quicGoodput(tuned(true), bytes);
      mid[i] = quicGoodput(small(), bytes);
      off[i] = quicGoodput(tuned(false), bytes);
      System.out.printf("round %d: TCP %.1f MB/s, tuned %.1f MB/s, 1350 on loopback %.1f MB/s,"
          + " untuned %.1f MB/s%n", i, tcp[i] / 1e6, on[i].goodput() / 1e6,
          mid[i].goodput() / 1e6, off[i].goodput() / 1e6);
    }
    double[] setup = setupTimes(samples, 64, StreamTransport.LOOPBACK_PAYLOAD);
    double[] retry = setupTimes(samples, 0, StreamTransport.LOOPBACK_PAYLOAD);
    double[] setupSmall = setupTimes(samples, 64, 0);
    double t = median(tcp, x -> x);
    System.out.printf("medians over %d rounds of %d MB (loopback payload %d bytes):%n", rounds,
        bytes >> 20, StreamTransport.LOOPBACK_PAYLOAD);
    System.out.printf("loopback TCP goodput          : %8.1f MB/s%n", t / 1e6);
    print("one QUIC stream, tuned        ", on, t);
    print("one QUIC stream, 1350 on lo   ", mid, t);
    print("one QUIC stream, untuned      ", off, t);
    System.out.printf("ratio QUIC stream / TCP       : %8.3f (tuned), %.3f (1350 on loopback),"
        + " %.3f (untuned)%n", median(on, Transfer::goodput) / t,
        median(mid, Transfer::goodput) / t, median(off, Transfer::goodput) / t);
    printSetup("connection setup (ms)         ", setup);
    printSetup("setup, server always Retries  ", retry);
    printSetup("setup, 1350 on loopback       ", setupSmall);
  }

  private static void printSetup(String label, double[] ms) {
    System.out.printf("%s: median %.2f, min %.2f, max %.2f over %d%n", label,
        ms[ms.length / 2], ms[0], ms[ms.length - 1], ms.length);
  }

  /** Return a builder with the defaults except 1350-byte packets to loopback peers too. */
  private static java.util.function.Supplier<StreamTransport.Builder> small() {
    return () -> StreamTransport.builder(StreamTestSupport.newIdentity()).loopbackPayload(0);
  }

  private static void print(String label, Transfer[] r, double tcp) {
    System.out.printf("%s: %8.1f MB/s (ratio %.3f); event-loop CPU per MB: sender %.2f ms, "
        + "receiver %.2f ms%n", label, median(r, Transfer::goodput) / 1e6,
        median(r, Transfer::goodput) / tcp, median(r, Transfer::senderCpuMsPerMb),
        median(r, Transfer::receiverCpuMsPerMb));
  }

  private static double median(double[] v, java.util.function.DoubleUnaryOperator f) {
    return Arrays.stream(v).map(f).sorted().toArray()[v.length / 2];
  }

  private static double median(Transfer[] v, java.util.function.ToDoubleFunction<Transfer> f) {
    return Arrays.stream(v).mapToDouble(f).sorted().toArray()[v.length / 2];
  }

  /** Return a builder with the defaults, or with batched reads and GSO sends switched off. */
  private static java.util.function.Supplier<StreamTransport.Builder> tuned(boolean on) {
    return () -> {
      StreamTransport.Builder b = StreamTransport.builder(StreamTestSupport.newIdentity());
      return on ? b : b.readBatch(1).sendSegments(0).loopbackPayload(0);
    };
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

  /** Return the figures of one stream carrying {@code bytes} between two fresh transports. */
  static Transfer quicGoodput(java.util.function.Supplier<StreamTransport.Builder> builder,
      long bytes) throws Exception {
    try (StreamTransport server = builder.get().build();
        StreamTransport client = builder.get().build()) {
      CompletableFuture<CountingReceiver> sink = new CompletableFuture<>();
      server.expose("sink", Exposure.open(s -> {
        CountingReceiver r = new CountingReceiver();
        s.channel().pipeline().addLast(r);
        s.accept();
        sink.complete(r);
      }));
      long receiverThread = loopThread(server);
      long senderThread = loopThread(client);
      SecureStream s = client.connect(server.localAddress(), server.nodeId(), "sink", 0)
          .get(10, TimeUnit.SECONDS);
      CountingReceiver r = sink.get(10, TimeUnit.SECONDS);
      long cpuR = THREADS.getThreadCpuTime(receiverThread);
      long cpuS = THREADS.getThreadCpuTime(senderThread);
      long t0 = System.nanoTime();
      s.channel().pipeline().addLast(new PacedSender(bytes));
      s.start();
      r.done.get(300, TimeUnit.SECONDS);
      long t1 = System.nanoTime();
      cpuR = THREADS.getThreadCpuTime(receiverThread) - cpuR;
      cpuS = THREADS.getThreadCpuTime(senderThread) - cpuS;
      if (r.count != bytes) {
        throw new IllegalStateException("stream lost bytes: " + r.count);
      }
      s.channel().parent().close().sync();
      double mb = bytes / 1e6;
      return new Transfer(bytes * 1e9 / (t1 - t0), cpuS / 1e6 / mb, cpuR / 1e6 / mb);
    }
  }

  /** Return the id of the thread of the transport's (single) event loop. */
  static long loopThread(StreamTransport t) throws Exception {
    return t.group().next().submit(() -> Thread.currentThread().getId()).get();
  }

  /**
   * Return sorted milliseconds from connect() to an accepted stream on a fresh connection; the
   * server asks for a Retry above {@code retryAbove} per second; both use {@code loopbackPayload}.
   */
  static double[] setupTimes(int n, int retryAbove, int loopbackPayload) throws Exception {
    try (StreamTransport server = tuned(true).get().retryAbove(retryAbove)
            .loopbackPayload(loopbackPayload).build();
        StreamTransport client = tuned(true).get().loopbackPayload(loopbackPayload).build()) {
      server.expose("nop", Exposure.open(SecureStream::accept));
      return setupTimes(server, client, n);
    }
  }

  private static double[] setupTimes(StreamTransport server, StreamTransport client, int n)
      throws Exception {
    double[] ms = new double[n];
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      SecureStream s = client.connect(server.localAddress(), server.nodeId(), "nop", 0)
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

  /** Count the bytes read; complete {@link #done} when the peer ends its output. */
  static final class CountingReceiver extends ChannelInboundHandlerAdapter {
    final CompletableFuture<Void> done = new CompletableFuture<>();
    long count;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf b = (ByteBuf) msg;
      count += b.readableBytes();
      b.release();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        done.complete(null);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      done.complete(null);
    }
  }

  /**
   * Write {@code total} bytes as fast as the stream takes them, then end the output (also
   * {@code RelayBenchmark}'s sender).
   */
  public static final class PacedSender extends ChannelInboundHandlerAdapter {
    // One direct buffer for the whole run: stream writes take slices of it, none frees it.
    private static final ByteBuf CHUNK_BYTES = Unpooled.unreleasableBuffer(
        Unpooled.directBuffer(CHUNK).writeBytes(StreamTestSupport.payload(CHUNK, 2)));
    private final ByteBuf chunk = CHUNK_BYTES;
    private long left;

    public PacedSender(long total) {
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
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> StreamEnds.endOutput(ch));
      }
    }
  }
}
