package dev.wormholes.node.relay;

import dev.wormholes.nat.relay.RelayLimits;
import dev.wormholes.node.stream.Exposure;
import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.node.stream.StreamGoodputBenchmark;
import dev.wormholes.node.stream.StreamTransport;
import dev.wormholes.proto.NodeId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.quic.QuicConnectionPathStats;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Relayed path against the direct path between the same two nodes on loopback, in one run: the
 * round trip of 32-byte echoes on an open stream, and one stream's one-way goodput, each direct
 * (A to B) and relayed (A to B through R, QUIC end to end inside relay datagrams), rounds
 * interleaved. The round trips of the relayed path's two legs alone (A to R, R to B, each plain
 * QUIC to an echo on R or B) are measured in the same rounds: a relayed round trip crosses four
 * sockets and wakes four event loops where a direct one crosses two, so on loopback, where no link
 * delay hides those costs, relayed / direct has the floor (A-R + R-B) / direct (about 2), and
 * relayed / (A-R + R-B) is what the relay itself adds. Each round pings all four paths first
 * (order rotated per round), then runs the two transfers. Prints the median, mean and 10th
 * percentile of each path's round trips with relayed / direct and relayed / legs, and the goodput
 * ratio. Arguments: MiB per transfer (64), pings per round (200), rounds (3), {@code default}
 * to keep the relay's default byte rates (16 MiB/s per circuit) instead of raising them to 1 GiB/s
 * so that the path's own cost is measured (anything else: raised), and {@code loopback} to let the
 * direct path use loopback-sized QUIC packets (up to 16 KB) instead of the 1350-byte ones of
 * internet peers, which a relay circuit always has.
 * After each transfer it prints the sender's QUIC statistics (smoothed RTT, cwnd, losses), and
 * with the goodput the process's CPU time per MB moved (all three nodes), which a loaded machine
 * disturbs less than the wall-clock rate. Last, the same RTT ratio for plain UDP between threads
 * (an echo, direct and through a forwarding thread): the floor two extra hops set on this machine.
 * Not in the test suite; command in node/README.md.
 */
public final class RelayBenchmark {
  /** The round trips measured: A to B direct and through R, and the relayed path's two legs alone. */
  private static final String[] PATHS = {"direct", "relayed", "leg A-R", "leg R-B"};

  private RelayBenchmark() {}

  /** Run the benchmark. */
  public static void main(String[] args) throws Exception {
    int mib = args.length > 0 ? Integer.parseInt(args[0]) : 64;
    int pings = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    double[][] rtt = new double[2][];
    double[][] goodput = new double[2][rounds];
    double[][] cpu = new double[2][rounds];
    boolean defaultRates = args.length > 3 && args[3].equals("default");
    RelayLimits limits = defaultRates ? RelayLimits.defaults()
        : RelayLimits.defaults().withRates(1L << 30, 256L << 20, 1L << 30, 256L << 20);
    boolean loopbackPackets = args.length > 4 && args[4].equals("loopback");
    System.out.println("relay limits: " + limits + "; direct packets: " + (loopbackPackets ? "loopback-sized" : "1350 B"));
    try (RelayTrio trio = new RelayTrio(limits, loopbackPackets)) {
      trio.b.expose("sink", Exposure.open(s -> {
        s.channel().pipeline().addLast(new Counting());
        s.accept();
      }));
      trio.r.expose("echo", Exposure.open(s -> {
        s.channel().pipeline().addLast(new RelayTrio.Echo());
        s.accept();
      }));
      InetSocketAddress direct = trio.b.localAddress();
      InetSocketAddress relayed = trio.openToB(trio.atA);
      double[][] rtts = new double[PATHS.length][pings * rounds];
      for (int round = 0; round < rounds; round++) {
        for (int k = 0; k < PATHS.length; k++) { // pings first, away from the transfers, order rotated
          int path = (round + k) % PATHS.length;
          double[] r = switch (path) {
            case 0 -> pingPong(trio.a, direct, trio.bId.id(), pings);
            case 1 -> pingPong(trio.a, relayed, trio.bId.id(), pings);
            case 2 -> pingPong(trio.a, trio.r.localAddress(), trio.rId.id(), pings);
            default -> pingPong(trio.r, direct, trio.bId.id(), pings);
          };
          System.arraycopy(r, 0, rtts[path], round * pings, pings);
          System.out.printf("round %d %-7s rtt median %.3f ms%n", round, PATHS[path], median(r));
        }
        for (int path = 0; path < 2; path++) {
          InetSocketAddress to = path == 0 ? direct : relayed;
          long cpu0 = processCpuNanos();
          goodput[path][round] = transfer(trio, to, (long) mib << 20);
          cpu[path][round] = (processCpuNanos() - cpu0) / 1e6 / (((long) mib << 20) / 1e6);
          System.out.printf("round %d %-7s goodput %.1f MB/s, CPU %.2f ms/MB%n", round, PATHS[path],
              goodput[path][round], cpu[path][round]);
        }
      }
      rtt = rtts;
      System.out.println("relay counters: " + trio.relay.serverCounters());
    }
    double[] floor = udpFloor(pings * rounds);
    for (int i = 0; i < 3; i++) { // median, mean, 10th percentile
      String stat = new String[] {"median", "mean", "p10"}[i];
      double[] v = new double[PATHS.length];
      for (int p = 0; p < v.length; p++) {
        v[p] = i == 0 ? median(rtt[p])
            : i == 1 ? Arrays.stream(rtt[p]).average().orElse(0) : percentile(rtt[p], 0.1);
      }
      double legs = v[2] + v[3];
      System.out.printf("RTT %-6s direct %.3f, relayed %.3f, legs A-R %.3f + R-B %.3f = %.3f ms:"
          + " relayed/direct = %.2f, relayed/legs = %.2f%n", stat, v[0], v[1], v[2], v[3], legs, v[1] / v[0],
          v[1] / legs);
    }
    double gpD = median(goodput[0]);
    double gpR = median(goodput[1]);
    System.out.printf("RTT     floor: plain UDP echo %.3f ms, through a plain UDP forwarder thread %.3f ms: %.2f%n",
        floor[0], floor[1], floor[1] / floor[0]);
    System.out.printf("goodput direct %.1f MB/s, relayed %.1f MB/s: relayed/direct = %.2f (%d MiB, %d rounds)%n",
        gpD, gpR, gpR / gpD, mib, rounds);
    double cpuD = median(cpu[0]);
    double cpuR = median(cpu[1]);
    System.out.printf("CPU     direct %.2f ms/MB, relayed %.2f ms/MB (all three nodes): relayed/direct = %.2f%n",
        cpuD, cpuR, cpuR / cpuD);
  }

  /**
   * Return the median round trips in ms of {@code n} 32-byte UDP echoes between two threads, direct
   * and through a third thread that only forwards (blocking sockets, no QUIC, no engines): what two
   * extra socket hops and thread wake-ups cost on this machine, the floor of a relayed RTT here.
   */
  private static double[] udpFloor(int n) throws Exception {
    InetSocketAddress any = new InetSocketAddress("127.0.0.1", 0);
    try (DatagramSocket echo = new DatagramSocket(any); DatagramSocket fwd = new DatagramSocket(any);
        DatagramSocket client = new DatagramSocket(any)) {
      for (DatagramSocket s : new DatagramSocket[] {echo, fwd, client}) {
        s.setSoTimeout(5_000);
      }
      Thread e = daemon(() -> serve(echo, p -> p.getSocketAddress()));
      SocketAddress toEcho = echo.getLocalSocketAddress();
      SocketAddress toClient = client.getLocalSocketAddress();
      Thread f = daemon(() -> serve(fwd, p -> p.getSocketAddress().equals(toEcho) ? toClient : toEcho));
      double[] r = {median(udpPings(client, toEcho, n)), median(udpPings(client, fwd.getLocalSocketAddress(), n))};
      e.interrupt();
      f.interrupt();
      return r;
    }
  }

  private static Thread daemon(Runnable r) {
    Thread t = new Thread(r);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Send each datagram {@code s} receives to the address {@code next} names, until closed or idle 5 s. */
  private static void serve(DatagramSocket s, java.util.function.Function<DatagramPacket, SocketAddress> next) {
    DatagramPacket p = new DatagramPacket(new byte[64], 64);
    try {
      while (!s.isClosed()) {
        p.setLength(64);
        s.receive(p);
        s.send(new DatagramPacket(p.getData(), p.getLength(), next.apply(p)));
      }
    } catch (IOException closedOrIdle) {
      // the run is over
    }
  }

  private static double[] udpPings(DatagramSocket client, SocketAddress to, int n) throws IOException {
    double[] r = new double[n];
    DatagramPacket in = new DatagramPacket(new byte[64], 64);
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      client.send(new DatagramPacket(new byte[32], 32, to));
      in.setLength(64);
      client.receive(in);
      r[i] = (System.nanoTime() - t0) / 1e6;
    }
    return r;
  }

  /** Return the CPU time this process used so far (all three nodes run in it). */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static double median(double[] v) {
    return percentile(v, 0.5);
  }

  private static double percentile(double[] v, double q) {
    double[] c = v.clone();
    Arrays.sort(c);
    return c[(int) (c.length * q)];
  }

  /** Return the round trips in ms of {@code n} 32-byte echoes on a fresh stream from {@code from} to {@code id}. */
  private static double[] pingPong(StreamTransport from, InetSocketAddress to, NodeId id, int n) throws Exception {
    SecureStream s = from.connect(to, id, "echo", 0).get(15, TimeUnit.SECONDS);
    PingPong p = new PingPong(n);
    s.channel().pipeline().addLast(p);
    s.start();
    p.send(s.channel());
    double[] r = p.result.get(60, TimeUnit.SECONDS);
    s.channel().close();
    return r;
  }

  /** Return the goodput in MB/s of {@code bytes} sent one way to B's sink over a fresh stream. */
  private static double transfer(RelayTrio trio, InetSocketAddress to, long bytes) throws Exception {
    SecureStream s = trio.a.connect(to, trio.bId.id(), "sink", 0).get(15, TimeUnit.SECONDS);
    StreamGoodputBenchmark.PacedSender sender = new StreamGoodputBenchmark.PacedSender(bytes);
    long t0 = System.nanoTime();
    s.channel().pipeline().addLast(sender);
    s.start();
    s.channel().closeFuture().get(300, TimeUnit.SECONDS); // B closes its side after the FIN
    double mbps = bytes * 1e3 / (System.nanoTime() - t0);
    QuicConnectionPathStats p = s.channel().parent().collectPathStats(0).get(5, TimeUnit.SECONDS);
    System.out.printf("  sender: srtt %.3f ms, cwnd %d B, sent %d, lost %d, pmtu %d%n", p.rtt() / 1e6, p.cwnd(),
        p.sent(), p.lost(), p.pmtu());
    return mbps;
  }

  /** Sends 32 bytes, waits for them to come back, n times. */
  private static final class PingPong extends ChannelInboundHandlerAdapter {
    final CompletableFuture<double[]> result = new CompletableFuture<>();
    final double[] rtts;
    int done;
    int got;
    long sentAt;

    PingPong(int n) {
      rtts = new double[n];
    }

    void send(Channel ch) {
      ch.eventLoop().execute(() -> {
        sentAt = System.nanoTime();
        ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[32]));
      });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf b = (ByteBuf) msg;
      got += b.readableBytes();
      b.release();
      if (got >= 32) {
        got -= 32;
        rtts[done++] = (System.nanoTime() - sentAt) / 1e6;
        if (done == rtts.length) {
          result.complete(rtts);
        } else {
          send(ctx.channel());
        }
      }
    }
  }

  /** Drops what it reads; closes the stream when the peer ends its output. */
  private static final class Counting extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ((ByteBuf) msg).release();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        ctx.close();
      }
    }
  }
}
