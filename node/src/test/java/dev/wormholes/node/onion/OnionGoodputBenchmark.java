package dev.wormholes.node.onion;

import com.google.gson.JsonObject;
import dev.wormholes.node.NodeConfig;
import dev.wormholes.node.WormholesNode;
import dev.wormholes.node.it.TcpServices;
import dev.wormholes.node.socks.SocksCredentials;
import java.io.DataInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Onion circuits against direct streams on loopback, in one run (not part of the test suite).
 *
 * <p>Four in-process nodes on 127.0.0.1 with friendships client-guard, guard-middle,
 * middle-target (made with invites), so the client's only 3-hop circuit is client -> guard ->
 * middle -> target; the target exposes a local TCP source that writes MIB mebibytes (2^20 bytes) and closes.
 * Each round downloads it through the client's SOCKS proxy as {@code src.TARGET.wh} (the direct
 * QUIC stream) and as {@code src.TARGET.onion.wh} (the circuit, reused across rounds after the
 * first build), and loopback TCP straight from the source as a reference. Prints the first
 * circuit's build time (every handshake over real QUIC links, which the run dials), time to first
 * byte and goodput of both, and the ratio onion / direct per round and as the median. During each
 * onion download it samples the exit's {@code GET /v1/circuits} every 50 ms and prints the largest
 * stream backlog there and the largest congestion window; after each download it prints the
 * process's CPU per MiB and, per busy thread, its time on a CPU and runnable but waiting for one
 * (Linux's {@code /proc/self/task/TID/schedstat}).
 *
 * <pre>
 * MAVEN_OPTS="--add-opens java.base/java.nio=ALL-UNNAMED --add-exports java.base/sun.nio.ch=ALL-UNNAMED \
 *   --add-opens java.base/com.sun.crypto.provider=ALL-UNNAMED" \
 * ./mvnw -q -B -pl node test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.wormholes.node.onion.OnionGoodputBenchmark -Dexec.args="MIB ROUNDS"
 * </pre>
 */
public final class OnionGoodputBenchmark {
  private OnionGoodputBenchmark() {}

  /** Run with MiB per download (default 32) and rounds (default 3); every rate is in MiB/s. */
  public static void main(String[] args) throws Exception {
    int mb = args.length > 0 ? Integer.parseInt(args[0]) : 32;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path tmp = Files.createTempDirectory("wh-onion-bench");
    List<WormholesNode> nodes = new ArrayList<>();
    try (ServerSocket source = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      TcpServices.source(source, (long) mb << 20);
      WormholesNode guard = node(nodes, tmp, "guard", 7611, null);
      InetSocketAddress seed = guard.udpAddress();
      WormholesNode client = node(nodes, tmp, "client", 7612, seed);
      WormholesNode middle = node(nodes, tmp, "middle", 7613, seed);
      WormholesNode target = node(nodes, tmp, "target", 7614, seed);
      befriend(client, guard);
      befriend(guard, middle);
      befriend(middle, target);
      target.streams().expose(new dev.wormholes.node.store.ServiceRecord("src",
          "127.0.0.1:" + source.getLocalPort(), List.of(), true));
      InetSocketAddress socks = client.socksAddress();
      SocksCredentials login = client.socksCredentials();
      String direct = "src." + target.id() + ".wh";
      String onion = "src." + target.id() + ".onion.wh";

      long t0 = System.nanoTime();
      Long firstOnion = null;
      for (int i = 0; i < 60 && firstOnion == null; i++) {
        try {
          firstOnion = download(socks, login, onion, mb)[1];
        } catch (IOException e) {
          System.out.println("onion download not yet: " + e.getMessage()); // descriptors not yet in the DHT
          Thread.sleep(1000);
        }
      }
      if (firstOnion == null) {
        throw new IllegalStateException("no onion circuit within a minute");
      }
      JsonObject status = client.streams().circuits().get(10, TimeUnit.SECONDS);
      JsonObject circuit = status.getAsJsonArray("circuits").get(0).getAsJsonObject();
      System.out.printf(Locale.ROOT, "first onion download after %.1f s (descriptors published); circuit hops %s,"
          + " build %d ms (3 handshakes over QUIC links dialled during the build)%n",
          (System.nanoTime() - t0) / 1e9, circuit.getAsJsonArray("hops").size(), circuit.get("buildMs").getAsLong());

      List<Double> ratios = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        long[] tcp = tcp(source.getLocalPort());
        Map<String, long[]> before = cpu();
        long[] d = download(socks, login, direct, mb);
        Map<String, long[]> mid = cpu();
        long[] o = sampled(target, () -> download(socks, login, onion, mb));
        Map<String, long[]> after = cpu();
        double tcpRate = rate(mb, tcp[0]);
        double dRate = rate(mb, d[0]);
        double oRate = rate(mb, o[0]);
        ratios.add(oRate / dRate);
        System.out.printf(Locale.ROOT, "round %d: loopback TCP %.1f MiB/s; direct stream %.1f MiB/s (first byte %.2f ms);"
            + " onion %.1f MiB/s (first byte %.2f ms); onion / direct %.3f, onion / TCP %.3f;"
            + " exit's stream backlog at most %d KiB, its cwnd at most %d cells, last %s (sampled every 50 ms)%n",
            r, tcpRate, dRate, d[1] / 1e6, oRate, o[1] / 1e6, oRate / dRate, oRate / tcpRate, o[2] >> 10, o[3],
            lastWindow);
        System.out.println("  direct: " + cpuReport(before, mid, d[0], mb));
        System.out.println("  onion:  " + cpuReport(mid, after, o[0], mb));
      }
      ratios.sort(Comparator.naturalOrder());
      System.out.printf(Locale.ROOT, "median onion / direct: %.3f over %d rounds of %d MiB%n",
          ratios.get(ratios.size() / 2), rounds, mb);
    } finally {
      for (WormholesNode n : nodes) {
        n.close();
      }
      try (var paths = Files.walk(tmp)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static WormholesNode node(List<WormholesNode> nodes, Path tmp, String name, int port, InetSocketAddress seed) {
    NodeConfig.Builder c = NodeConfig.builder().dataDir(tmp.resolve(name))
        .listen(new InetSocketAddress("127.0.0.1", port)).lanDiscovery(false).streams(true);
    if (seed != null) {
      c.bootstrap(seed);
    }
    WormholesNode n = WormholesNode.start(c.build());
    nodes.add(n);
    return n;
  }

  private static void befriend(WormholesNode a, WormholesNode b) throws Exception {
    String link = a.streams().people().invite("", 3600).get("link").getAsString();
    Exception last = null;
    for (int i = 0; i < 30; i++) {
      try {
        b.streams().people().accept(link, "").get(20, TimeUnit.SECONDS);
        return;
      } catch (Exception e) {
        last = e; // the inviter's presence record may not be in the DHT yet
        Thread.sleep(500);
      }
    }
    throw last;
  }

  /**
   * Every thread of this process from Linux's {@code /proc/self/task/TID/schedstat}, by "name#TID":
   * {nanoseconds on a CPU, nanoseconds runnable but waiting for one, times it was put on a CPU};
   * empty where there is no such file.
   */
  private static Map<String, long[]> cpu() {
    Map<String, long[]> m = new HashMap<>();
    File[] tasks = new File("/proc/self/task").listFiles();
    if (tasks == null) {
      return m;
    }
    for (File t : tasks) {
      try {
        String name = Files.readString(t.toPath().resolve("comm")).trim();
        String[] stat = Files.readString(t.toPath().resolve("schedstat")).trim().split(" ");
        m.put(name + "#" + t.getName(), new long[] {Long.parseLong(stat[0]), Long.parseLong(stat[1]), Long.parseLong(stat[2])});
      } catch (IOException | RuntimeException e) {
        // the thread ended meanwhile
      }
    }
    return m;
  }

  /**
   * The process's threads between two {@link #cpu} samples over {@code wallNanos} of a download
   * of {@code mb} MiB: CPU milliseconds per MiB, cores busy, cores' worth of threads runnable but
   * waiting for a CPU, and the busiest threads (on a CPU / waiting, as shares of the wall time, and
   * how many times per MiB the thread was put on a CPU: its wake-ups and preemptions).
   */
  private static String cpuReport(Map<String, long[]> from, Map<String, long[]> to, long wallNanos, int mb) {
    Map<String, long[]> used = new HashMap<>();
    long run = 0;
    long wait = 0;
    for (Map.Entry<String, long[]> e : to.entrySet()) {
      long[] a = from.getOrDefault(e.getKey(), new long[3]);
      long[] d = {e.getValue()[0] - a[0], e.getValue()[1] - a[1], e.getValue()[2] - a[2]};
      used.put(e.getKey(), d);
      run += d[0];
      wait += d[1];
    }
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
        "CPU %.0f ms per MiB; on a CPU %.2f cores, runnable but waiting %.2f cores; busiest threads (on CPU / waiting, slices per MiB):",
        run / 1e6 / mb, run / (double) wallNanos, wait / (double) wallNanos));
    used.entrySet().stream().sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> -e.getValue()[0])).limit(7)
        .forEach(e -> b.append(String.format(Locale.ROOT, " %s %.0f/%.0f%% %d", e.getKey(),
            100.0 * e.getValue()[0] / wallNanos, 100.0 * e.getValue()[1] / wallNanos, e.getValue()[2] / mb)));
    return b.toString();
  }

  /** MiB/s of {@code mb} MiB in {@code nanos}. */
  private static double rate(int mb, long nanos) {
    return mb / (nanos / 1e9);
  }

  /** The exit's last sampled sending window (JSON), or "-" where the node reports none. */
  private static volatile String lastWindow = "-";

  /** A download that returns {nanos in all, nanos to the first byte}. */
  private interface Download {
    long[] run() throws IOException;
  }

  /**
   * Run {@code d} while sampling {@code exit}'s onion stream backlog (bytes read from the target
   * and waiting for the circuit window) every 50 ms; return d's result plus the largest sample.
   */
  private static long[] sampled(WormholesNode exit, Download d) throws IOException {
    AtomicLong max = new AtomicLong();
    AtomicLong cwnd = new AtomicLong();
    AtomicBoolean done = new AtomicBoolean();
    Thread sampler = new Thread(() -> {
      while (!done.get()) {
        try {
          JsonObject s = exit.streams().circuits().get(5, TimeUnit.SECONDS);
          max.accumulateAndGet(s.get("streamBacklogBytes").getAsLong(), Math::max);
          if (s.has("windows") && !s.getAsJsonArray("windows").isEmpty()) {
            JsonObject w = s.getAsJsonArray("windows").get(0).getAsJsonObject();
            cwnd.accumulateAndGet(w.get("cwndCells").getAsLong(), Math::max);
            lastWindow = w.toString();
          }
          Thread.sleep(50);
        } catch (Exception e) {
          return;
        }
      }
    }, "backlog-sampler");
    sampler.setDaemon(true);
    sampler.start();
    try {
      long[] r = d.run();
      return new long[] {r[0], r[1], max.get(), cwnd.get()};
    } finally {
      done.set(true);
    }
  }

  /** Read everything from loopback TCP: {nanos in all, nanos to the first byte}. */
  private static long[] tcp(int port) throws IOException {
    long t0 = System.nanoTime();
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return drain(s.getInputStream(), t0);
    }
  }

  /** Download through the SOCKS proxy from {@code host}, expecting {@code mb} MiB (checked). */
  private static long[] download(InetSocketAddress socks, SocksCredentials login, String host, int mb) throws IOException {
    long t0 = System.nanoTime();
    try (Socket s = new Socket()) {
      s.connect(socks, 5_000);
      s.setSoTimeout(60_000);
      OutputStream o = s.getOutputStream();
      DataInputStream i = new DataInputStream(s.getInputStream());
      o.write(new byte[] {5, 1, 2});
      byte[] user = login.user().getBytes(StandardCharsets.UTF_8);
      byte[] pass = login.password().getBytes(StandardCharsets.UTF_8);
      byte[] name = host.getBytes(StandardCharsets.US_ASCII);
      ByteArrayBuilder b = new ByteArrayBuilder().add(1, user.length).add(user).add(pass.length).add(pass)
          .add(5, 1, 0, 3, name.length).add(name).add(0, 1);
      o.write(b.bytes());
      i.readFully(new byte[2]);
      i.readFully(new byte[2]);
      byte[] reply = new byte[10];
      i.readFully(reply);
      if (reply[1] != 0) {
        throw new IOException("SOCKS refused " + host + ": " + reply[1]);
      }
      s.shutdownOutput();
      long[] r = drain(i, t0);
      if (r[2] != (long) mb << 20) {
        throw new IOException(host + ": " + r[2] + " bytes, not " + ((long) mb << 20));
      }
      return r;
    }
  }

  /** Read to the end: {nanos since t0, nanos to the first byte, bytes}. */
  private static long[] drain(InputStream in, long t0) throws IOException {
    byte[] buf = new byte[256 * 1024];
    long n = 0;
    long first = 0;
    for (int k = in.read(buf); k >= 0; k = in.read(buf)) {
      if (n == 0 && k > 0) {
        first = System.nanoTime() - t0;
      }
      n += k;
    }
    return new long[] {System.nanoTime() - t0, first, n};
  }

  /** A few bytes at a time. */
  private static final class ByteArrayBuilder {
    private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();

    ByteArrayBuilder add(int... bytes) {
      for (int x : bytes) {
        out.write(x);
      }
      return this;
    }

    ByteArrayBuilder add(byte[] bytes) {
      out.writeBytes(bytes);
      return this;
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}
