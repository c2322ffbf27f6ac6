package dev.wormholes.node.streams;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.wormholes.node.NodeConfig;
import dev.wormholes.node.WormholesNode;
import dev.wormholes.node.cli.Wormholes;
import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two in-process daemons with data dirs, streams on and real sockets on 127.0.0.1: node B exposes
 * a real HTTP server (JDK {@code HttpServer}) through {@code wormholes expose}; {@code curl
 * -x socks5h://wh:PASSWORD@...} through node A's SOCKS port fetches a file byte for byte; unexposed services,
 * allow-lists and a wrong pinned key are refused; {@code wormholes connect} carries 32 MiB with
 * equal SHA-256; exposures survive a restart of B.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class DaemonStreamsTest {
  private static final int FILE_BYTES = 3 << 20;
  private static final int CONNECT_BYTES = 32 << 20;
  private static final int DOWNLOAD_BYTES = 64 << 20;

  @TempDir Path tmp;
  private final List<AutoCloseable> open = new ArrayList<>();
  private WormholesNode a;
  private WormholesNode b;
  private HttpServer http;
  private byte[] file;

  @BeforeEach
  void start() throws IOException {
    a = node("a", new InetSocketAddress("127.0.0.1", 0), null);
    b = node("b", new InetSocketAddress("127.0.0.1", 0), a.udpAddress());
    file = new byte[FILE_BYTES];
    new Random(42).nextBytes(file);
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext("/file.bin", ex -> {
      ex.sendResponseHeaders(200, file.length);
      try (OutputStream o = ex.getResponseBody()) {
        o.write(file);
      }
    });
    http.start();
    awaitPresence(b.id());
  }

  @AfterEach
  void stop() throws Exception {
    if (http != null) {
      http.stop(0);
    }
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private WormholesNode node(String name, InetSocketAddress listen, InetSocketAddress seed) {
    NodeConfig.Builder c = NodeConfig.builder().dataDir(tmp.resolve(name)).listen(listen)
        .lanDiscovery(false).streams(true);
    if (seed != null) {
      c.bootstrap(seed);
    }
    WormholesNode n = WormholesNode.start(c.build());
    open.add(n);
    return n;
  }

  private void awaitPresence(NodeId id) {
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
        .until(() -> !a.streams().dialer().paths().presence(id).get(5, TimeUnit.SECONDS).getEndpointsList().isEmpty());
  }

  @Test
  void curlThroughSocksFetchesAnExposedHttpServerByteForByte() throws Exception {
    Cli expose = cli(b, "expose", "web", "127.0.0.1:" + http.getAddress().getPort(), "--public");
    assertEquals(0, expose.code, expose.err);
    assertTrue(expose.out.startsWith("exposed web -> 127.0.0.1:"), expose.out);
    assertEquals("127.0.0.1:" + a.socksAddress().getPort() + "\n",
        Files.readString(tmp.resolve("a").resolve("socks.port")));
    Path got = tmp.resolve("got.bin");
    Curl c = curl("http://web." + b.id() + ".wh/file.bin", got);
    assertEquals(0, c.code, c.err);
    assertArrayEquals(file, Files.readAllBytes(got));
    Cli status = cli(a, "status");
    String url = a.socksCredentials().url("127.0.0.1:" + a.socksAddress().getPort());
    assertTrue(status.out.contains(url), status.out);
    assertEquals(url + "\n", Files.readString(tmp.resolve("a").resolve("socks.url")));
  }

  @Test
  void unexposedServicesAllowListsAndWrongKeysAreRefused() throws Exception {
    Curl c = curl("http://nope." + b.id() + ".wh/", tmp.resolve("x"));
    assertNotEquals(0, c.code);
    Cli conn = cli(a, new ByteArrayInputStream(new byte[0]), "connect", b.id().toString(), "nope");
    assertEquals(1, conn.code);
    assertTrue(conn.err.contains("refused the stream: service 'nope' is not exposed there"), conn.err);

    NodeId stranger = Identity.fromSeed(new byte[32]).id();
    Cli expose = cli(b, "expose", "private", "127.0.0.1:" + http.getAddress().getPort(), "--allow", stranger.toString());
    assertEquals(0, expose.code, expose.err);
    assertTrue(expose.out.contains("allow " + stranger), expose.out);
    ExecutionException refused = assertThrows(ExecutionException.class,
        () -> a.streams().dialer().dial(b.id(), "private").get(20, TimeUnit.SECONDS));
    assertTrue(refused.getCause().toString().contains("UNKNOWN_SERVICE"), refused.getCause().toString());

    // A dial to B's address that pins another node's key fails in the TLS handshake.
    CompletableFuture<SecureStream> wrong = a.streams().transport().connect(b.udpAddress(), stranger, "web", 0);
    ExecutionException e = assertThrows(ExecutionException.class, () -> wrong.get(20, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof javax.net.ssl.SSLException
        || String.valueOf(e.getCause().getMessage()).toLowerCase().contains("certificate"), e.getCause().toString());

    // B keeps serving: the allowed open service works after all of that.
    assertEquals(0, cli(b, "expose", "web", "127.0.0.1:" + http.getAddress().getPort(), "--public").code);
    Path got = tmp.resolve("got.bin");
    Curl ok = curl("http://web." + b.id() + ".wh/file.bin", got);
    assertEquals(0, ok.code, ok.err);
    assertArrayEquals(file, Files.readAllBytes(got));
  }

  @Test
  void connectBridgesStdinAndStdoutWithEqualSha256() throws Exception {
    try (ServerSocket echo = new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> echoOnce(echo), "echo");
      t.setDaemon(true);
      t.start();
      assertEquals(0, cli(b, "expose", "echo", "127.0.0.1:" + echo.getLocalPort(), "--public").code);
      byte[] data = new byte[CONNECT_BYTES];
      new Random(7).nextBytes(data);
      long start = System.nanoTime();
      Cli c = cli(a, new ByteArrayInputStream(data), "connect", b.id().toString(), "echo");
      double s = (System.nanoTime() - start) / 1e9;
      assertEquals(0, c.code, c.err);
      assertEquals(CONNECT_BYTES, c.bytes.length);
      assertArrayEquals(sha256(data), sha256(c.bytes));
      System.out.printf("connect: %d MiB echoed in %.2f s (%.1f MiB/s each way)%n", CONNECT_BYTES >> 20, s,
          (CONNECT_BYTES >> 20) / s);
    }
  }

  /**
   * The HTTP/1.0 pattern: stdin ends at once (FIN first), then the service sends a lot and closes,
   * to a reader that pauses now and then, so the proxy must wait to write to a half-closed client
   * socket (with epoll, that write failed and cut the stream short).
   */
  @Test
  void connectDownloadsEverythingWhenStdinEndsFirst() throws Exception {
    byte[] data = new byte[DOWNLOAD_BYTES];
    new Random(11).nextBytes(data);
    try (ServerSocket blast = new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        try (Socket s = blast.accept()) {
          s.getOutputStream().write(data);
          s.shutdownOutput();
          s.getInputStream().transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
          // the assertions report it
        }
      }, "blast");
      t.setDaemon(true);
      t.start();
      assertEquals(0, cli(b, "expose", "blast", "127.0.0.1:" + blast.getLocalPort(), "--public").code);
      ByteArrayOutputStream got = new ByteArrayOutputStream(DOWNLOAD_BYTES);
      OutputStream slow = new OutputStream() {
        private long since;

        @Override
        public void write(int x) {
          got.write(x);
        }

        @Override
        public void write(byte[] buf, int off, int len) {
          got.write(buf, off, len);
          since += len;
          if (since >= 2 << 20) {
            since = 0;
            try {
              Thread.sleep(40);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        }
      };
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int code = Wormholes.execute(new String[] {"--data", tmp.resolve("a").toString(), "connect", b.id().toString(),
          "blast"}, new PrintStream(slow, false), new PrintStream(err, true), new ByteArrayInputStream(new byte[0]));
      assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
      assertEquals(DOWNLOAD_BYTES, got.size());
      assertArrayEquals(sha256(data), sha256(got.toByteArray()));
    }
  }

  @Test
  void exposeLetsNobodyInUnlessAllowedOrPublic() throws Exception {
    Cli closed = cli(b, "expose", "web", "127.0.0.1:" + http.getAddress().getPort());
    assertEquals(0, closed.code, closed.err);
    assertTrue(closed.out.contains("no node may connect yet"), closed.out);
    Curl refused = curl("http://web." + b.id() + ".wh/file.bin", tmp.resolve("no.bin"));
    assertNotEquals(0, refused.code, "a service exposed without --allow or --public let a node in");
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> a.streams().dialer().dial(b.id(), "web").get(20, TimeUnit.SECONDS));
    assertTrue(e.getCause().toString().contains("UNKNOWN_SERVICE"), e.getCause().toString());

    assertEquals(0, cli(b, "expose", "web", "127.0.0.1:" + http.getAddress().getPort(), "--allow", a.id().toString()).code);
    assertEquals(0, curl("http://web." + b.id() + ".wh/file.bin", tmp.resolve("allowed.bin")).code);
    Cli open = cli(b, "expose", "web", "127.0.0.1:" + http.getAddress().getPort(), "--public");
    assertTrue(open.out.contains("public: any node"), open.out);
    assertEquals(2, cli(b, "expose", "web", "127.0.0.1:1", "--public", "--allow", a.id().toString()).code);
  }

  @Test
  void exposuresSurviveARestart() throws Exception {
    assertEquals(0, cli(b, "expose", "web", "127.0.0.1:" + http.getAddress().getPort(), "--public").code);
    assertEquals(0, cli(b, "expose", "gone", "127.0.0.1:9", "--public").code);
    assertEquals(0, cli(b, "unexpose", "gone").code);
    assertEquals(1, cli(b, "unexpose", "gone").code);
    InetSocketAddress where = b.udpAddress();
    NodeId id = b.id();
    b.close();
    b = node("b", where, a.udpAddress());
    assertEquals(id, b.id());
    Cli list = cli(b, "services");
    assertEquals(0, list.code, list.err);
    assertTrue(list.out.startsWith("web "), list.out);
    assertTrue(!list.out.contains("gone"), list.out);
    Cli json = cli(b, "services", "--json");
    assertTrue(json.out.contains("\"service\":\"web\""), json.out);
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() ->
        curl("http://web." + id + ".wh/file.bin", tmp.resolve("again.bin")).code == 0);
    assertArrayEquals(file, Files.readAllBytes(tmp.resolve("again.bin")));
  }

  private static void echoOnce(ServerSocket server) {
    try (Socket s = server.accept()) {
      s.getInputStream().transferTo(s.getOutputStream());
      s.shutdownOutput();
    } catch (IOException e) {
      // the test's assertions report it
    }
  }

  private static byte[] sha256(byte[] b) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(b);
  }

  private record Cli(int code, String out, String err, byte[] bytes) {}

  private Cli cli(WormholesNode n, String... args) {
    return cli(n, new ByteArrayInputStream(new byte[0]), args);
  }

  private Cli cli(WormholesNode n, InputStream in, String... args) {
    String[] full = new String[args.length + 2];
    full[0] = "--data";
    full[1] = tmp.resolve(n == a ? "a" : "b").toString();
    System.arraycopy(args, 0, full, 2, args.length);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Wormholes.execute(full, new PrintStream(out, true), new PrintStream(err, true), in);
    return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
        out.toByteArray());
  }

  private record Curl(int code, String err) {}

  /** Fetch {@code url} with curl through A's SOCKS port into {@code to} (no proxy from the environment). */
  private Curl curl(String url, Path to) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("curl", "-sS", "--max-time", "30", "-x",
        a.socksCredentials().url("127.0.0.1:" + a.socksAddress().getPort()), "-o", to.toString(), url)
        .redirectErrorStream(false);
    pb.environment().keySet().removeIf(k -> k.toLowerCase().endsWith("_proxy"));
    Process p = pb.start();
    p.getOutputStream().close();
    if (!p.waitFor(40, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("curl did not finish");
    }
    return new Curl(p.exitValue(), new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
  }
}
