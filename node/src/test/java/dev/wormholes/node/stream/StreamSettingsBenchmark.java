package dev.wormholes.node.stream;

import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.handler.codec.quic.FlushStrategy;
import io.netty.handler.codec.quic.QuicCongestionControlAlgorithm;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Compare stream settings in one run: interleaved rounds of one loopback transfer per setting,
 * each reporting goodput (also as a ratio to loopback TCP measured in the same round) and the CPU
 * time each side's event loop spent per MB. Not part of the test suite. The figures in
 * node/README.md's streams section ("not limiting") came from this class.
 *
 * <p>Arguments: MB per transfer, rounds, then settings. A setting is {@code base} (the
 * defaults) or {@code +}-joined {@code key=value} pairs: {@code rb} readBatch, {@code seg}
 * sendSegments, {@code pl} udpPayload, {@code lpl} loopbackPayload (0: none), {@code win}
 * stream window in MB (connection window 4x),
 * {@code cc} RENO|CUBIC|BBR, {@code hystart} true|false, {@code sockbuf} SO_RCVBUF/SO_SNDBUF in
 * KB, {@code wm} stream write high-water mark in KB, {@code gro} UDP GRO reads (64 KB buffer),
 * {@code flush} codec flush threshold in KB (Netty's default: 27).
 * Example: {@code 64 3 base rb=1+seg=0 cc=BBR pl=1452}.
 */
public final class StreamSettingsBenchmark {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private StreamSettingsBenchmark() {}

  /** One transfer: MB/s and event-loop CPU ms per MB at the receiver and the sender. */
  private record Result(double mbps, double receiverCpu, double senderCpu) {}

  /** Run the comparison and print the figures. */
  public static void main(String[] args) throws Exception {
    StreamTestSupport.quietLogs();
    long bytes = Long.parseLong(args[0]) << 20;
    int rounds = Integer.parseInt(args[1]);
    List<String> settings = List.of(args).subList(2, args.length);
    StreamGoodputBenchmark.tcpGoodput(32L << 20); // warm-up
    for (String s : settings) {
      transfer(parse(s), 16L << 20);
    }
    double[] tcp = new double[rounds];
    Map<String, List<Result>> all = new LinkedHashMap<>();
    for (int i = 0; i < rounds; i++) {
      tcp[i] = StreamGoodputBenchmark.tcpGoodput(bytes) / 1e6;
      System.out.printf("round %d: loopback TCP %.0f MB/s%n", i, tcp[i]);
      for (String s : settings) {
        Result r = transfer(parse(s), bytes);
        all.computeIfAbsent(s, k -> new ArrayList<>()).add(r);
        System.out.printf("  %-32s %7.1f MB/s  CPU per MB: receiver %5.2f ms, sender %5.2f ms%n",
            s, r.mbps(), r.receiverCpu(), r.senderCpu());
      }
    }
    double t = median(tcp);
    double first = median(all.get(settings.get(0)).stream().mapToDouble(Result::mbps).toArray());
    System.out.printf("medians over %d rounds of %d MB (loopback TCP %.0f MB/s):%n", rounds,
        bytes >> 20, t);
    for (var e : all.entrySet()) {
      double mbps = median(e.getValue().stream().mapToDouble(Result::mbps).toArray());
      System.out.printf("  %-32s %7.1f MB/s  ratio to TCP %.3f, to %s %.2f;"
              + " CPU per MB: receiver %5.2f ms, sender %5.2f ms%n", e.getKey(), mbps, mbps / t,
          settings.get(0), mbps / first,
          median(e.getValue().stream().mapToDouble(Result::receiverCpu).toArray()),
          median(e.getValue().stream().mapToDouble(Result::senderCpu).toArray()));
    }
  }

  private static double median(double[] v) {
    double[] c = v.clone();
    Arrays.sort(c);
    return c[c.length / 2];
  }

  private static Map<String, String> parse(String setting) {
    Map<String, String> m = new LinkedHashMap<>();
    if (!setting.equals("base")) {
      for (String kv : setting.split("\\+")) {
        String[] p = kv.split("=", 2);
        m.put(p[0], p.length > 1 ? p[1] : "");
      }
    }
    return m;
  }

  /** Return a builder with the setting applied (through the package's tuning hooks). */
  private static StreamTransport.Builder builder(Map<String, String> c) {
    StreamTransport.Builder b = StreamTransport.builder(StreamTestSupport.newIdentity());
    if (c.containsKey("rb")) {
      b.readBatch(Integer.parseInt(c.get("rb")));
    }
    if (c.containsKey("seg")) {
      b.sendSegments(Integer.parseInt(c.get("seg")));
    }
    if (c.containsKey("pl")) {
      b.udpPayload(Integer.parseInt(c.get("pl")));
    }
    if (c.containsKey("lpl")) {
      b.loopbackPayload(Integer.parseInt(c.get("lpl")));
    }
    if (c.containsKey("win")) {
      long w = Long.parseLong(c.get("win")) << 20;
      b.windows(4 * w, w);
    }
    WriteBufferWaterMark wm = c.containsKey("wm") ? new WriteBufferWaterMark(
        Integer.parseInt(c.get("wm")) << 9, Integer.parseInt(c.get("wm")) << 10) : null;
    b.codecTuning = q -> {
      if (c.containsKey("cc")) {
        q.congestionControlAlgorithm(QuicCongestionControlAlgorithm.valueOf(c.get("cc")));
      }
      if (c.containsKey("flush")) {
        q.flushStrategy(FlushStrategy.afterNumBytes(Integer.parseInt(c.get("flush")) << 10));
      }
      if (c.containsKey("hystart")) {
        q.hystart(Boolean.parseBoolean(c.get("hystart")));
      }
      if (wm != null && q instanceof QuicServerCodecBuilder) {
        ((QuicServerCodecBuilder) q).streamOption(ChannelOption.WRITE_BUFFER_WATER_MARK, wm);
      }
    };
    b.dialTuning = q -> {
      if (wm != null) {
        q.streamOption(ChannelOption.WRITE_BUFFER_WATER_MARK, wm);
      }
    };
    b.socketTuning = boot -> {
      if (c.containsKey("sockbuf")) {
        int n = Integer.parseInt(c.get("sockbuf")) << 10;
        boot.option(ChannelOption.SO_RCVBUF, n).option(ChannelOption.SO_SNDBUF, n);
      }
      if (c.containsKey("gro") && NettyTransports.epoll()) {
        boot.option(EpollChannelOption.UDP_GRO, true)
            .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, 0)
            .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(65536));
      }
    };
    return b;
  }

  private static Result transfer(Map<String, String> setting, long bytes) throws Exception {
    try (StreamTransport server = builder(setting).build();
        StreamTransport client = builder(setting).build()) {
      CompletableFuture<StreamGoodputBenchmark.CountingReceiver> sink = new CompletableFuture<>();
      server.expose("sink", Exposure.open(s -> {
        StreamGoodputBenchmark.CountingReceiver r = new StreamGoodputBenchmark.CountingReceiver();
        s.channel().pipeline().addLast(r);
        s.accept();
        sink.complete(r);
      }));
      long receiver = StreamGoodputBenchmark.loopThread(server);
      long sender = StreamGoodputBenchmark.loopThread(client);
      SecureStream s = client.connect(server.localAddress(), server.nodeId(), "sink", 0)
          .get(10, TimeUnit.SECONDS);
      StreamGoodputBenchmark.CountingReceiver r = sink.get(10, TimeUnit.SECONDS);
      long r0 = THREADS.getThreadCpuTime(receiver);
      long s0 = THREADS.getThreadCpuTime(sender);
      long t0 = System.nanoTime();
      s.channel().pipeline().addLast(new StreamGoodputBenchmark.PacedSender(bytes));
      s.start();
      r.done.get(300, TimeUnit.SECONDS);
      long t1 = System.nanoTime();
      if (r.count != bytes) {
        throw new IllegalStateException("stream lost bytes: " + r.count);
      }
      double mb = bytes / 1e6;
      Result res = new Result(mb * 1e9 / (t1 - t0),
          (THREADS.getThreadCpuTime(receiver) - r0) / 1e6 / mb,
          (THREADS.getThreadCpuTime(sender) - s0) / 1e6 / mb);
      s.channel().parent().close().sync();
      return res;
    }
  }
}
