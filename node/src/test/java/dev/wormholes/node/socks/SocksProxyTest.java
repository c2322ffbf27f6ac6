package dev.wormholes.node.socks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import dev.wormholes.node.stream.Exposure;
import dev.wormholes.node.stream.LocalPortService;
import dev.wormholes.node.stream.StreamTestSupport;
import dev.wormholes.node.stream.StreamTransport;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end over loopback: curl (or a raw SOCKS client) -> SOCKS proxy of node A -> QUIC stream
 * -> node B's exposed service "web" -> a local HTTP server; and every kind of bad request refused
 * while the proxy keeps serving.
 */
class SocksProxyTest {
  private static final byte[] FILE = StreamTestSupport.payload(3 << 20, 42);

  private HttpServer http;
  private StreamTransport a;
  private StreamTransport b;
  private SocksServer socks;
  private Identity bob;
  @TempDir Path tmp;

  @BeforeEach
  void start() throws Exception {
    StreamTestSupport.quietLogs();
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext("/file", ex -> {
      ex.sendResponseHeaders(200, FILE.length);
      try (OutputStream o = ex.getResponseBody()) {
        o.write(FILE);
      }
    });
    http.start();
    bob = StreamTestSupport.newIdentity();
    a = StreamTransport.builder(StreamTestSupport.newIdentity()).build();
    b = StreamTransport.builder(bob).build();
    b.expose("web", Exposure.open(new LocalPortService(http.getAddress())));
    b.expose("down", Exposure.open(new LocalPortService(closedPort())));
    InetSocketAddress bAddr = b.localAddress();
    NodeId bobId = bob.id();
    socks = SocksServer.bind(new InetSocketAddress("127.0.0.1", 0),
        new TransportDialer(a, id -> id.equals(bobId) ? Optional.of(bAddr) : Optional.empty()), SocksClient.LOGIN);
  }

  @AfterEach
  void stop() {
    socks.close();
    a.close();
    b.close();
    http.stop(0);
  }

  private static InetSocketAddress closedPort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getLoopbackAddress())) {
      return new InetSocketAddress("127.0.0.1", s.getLocalPort());
    }
  }

  private String url(String service, String path) {
    return "http://" + service + "." + bob.id() + ".wh" + path;
  }

  @Test
  void curlFetchesAFileByteForByteThroughQuic() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl not installed");
    Path out = tmp.resolve("file");
    assertEquals(0, curl(url("web", "/file"), out));
    assertArrayEquals(FILE, Files.readAllBytes(out));
    assertEquals(1, socks.relayedCount());
  }

  @Test
  void rawSocksClientFetchesTheFileToo() throws Exception {
    try (Socket s = socksConnect(0x01, 0x03, ("web." + bob.id() + ".wh").getBytes(
        StandardCharsets.US_ASCII), 80, 0x00)) {
      s.getOutputStream().write(("GET /file HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      byte[] all = s.getInputStream().readAllBytes();
      String text = new String(all, StandardCharsets.ISO_8859_1);
      int body = text.indexOf("\r\n\r\n") + 4;
      assertTrue(text.startsWith("HTTP/1.1 200"), text.substring(0, Math.min(40, text.length())));
      assertArrayEquals(FILE, java.util.Arrays.copyOfRange(all, body, all.length));
    }
  }

  @Test
  void badRequestsGetTheRightRepliesAndTheProxyKeepsServing() throws Exception {
    byte[] ip = {127, 0, 0, 1};
    String bid = bob.id().toString();
    // IPv4 destination: names only.
    socksConnect(0x01, 0x01, ip, 80, 0x08).close();
    // Not .wh: refused by ruleset, never looked up.
    socksConnect(0x01, 0x03, "example.com".getBytes(StandardCharsets.US_ASCII), 80, 0x02).close();
    // .wh but not SERVICE.NODE_ID.wh.
    socksConnect(0x01, 0x03, "web.notanid.wh".getBytes(StandardCharsets.US_ASCII), 80, 0x04)
        .close();
    // A well-formed id nobody knows an address for.
    socksConnect(0x01, 0x03, ("web." + StreamTestSupport.newIdentity().id() + ".wh")
        .getBytes(StandardCharsets.US_ASCII), 80, 0x04).close();
    // Unexposed service: the remote node refuses the stream.
    socksConnect(0x01, 0x03, ("nope." + bid + ".wh").getBytes(StandardCharsets.US_ASCII), 80,
        0x05).close();
    // Exposed service whose local port is down.
    socksConnect(0x01, 0x03, ("down." + bid + ".wh").getBytes(StandardCharsets.US_ASCII), 80,
        0x05).close();
    // BIND: command not supported.
    socksConnect(0x02, 0x03, ("web." + bid + ".wh").getBytes(StandardCharsets.US_ASCII), 80,
        0x07).close();
    // Malformed: SOCKS4, and HTTP sent to the proxy port: closed without a reply.
    assertClosedAfter(new byte[] {0x04, 0x01, 0x00, 0x50, 127, 0, 0, 1, 0});
    assertClosedAfter("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    assertTrue(socks.refusedCount() >= 9, "refusals counted: " + socks.refusedCount());
    if (Files.isExecutable(Path.of("/usr/bin/curl"))) {
      assertEquals(97, curl("http://example.com/", tmp.resolve("x")), "curl: proxy refused");
      Path out = tmp.resolve("again");
      assertEquals(0, curl(url("web", "/file"), out));
      assertArrayEquals(FILE, Files.readAllBytes(out));
    } else {
      rawSocksClientFetchesTheFileToo();
    }
  }

  private void assertClosedAfter(byte[] junk) throws IOException {
    try (Socket s = new Socket("127.0.0.1", socks.localAddress().getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(junk);
      assertEquals(-1, s.getInputStream().read(), "proxy closes on malformed input");
    }
  }

  @Test
  void clientsWithoutThePasswordAreRefusedBeforeAnythingIsDialled() throws Exception {
    String name = "web." + bob.id() + ".wh";
    // Offers only "no authentication" (what a browser does): "no acceptable methods".
    try (Socket s = new Socket("127.0.0.1", socks.localAddress().getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(new byte[] {0x05, 0x01, 0x00});
      assertArrayEquals(new byte[] {0x05, (byte) 0xFF}, s.getInputStream().readNBytes(2));
      assertEquals(-1, s.getInputStream().read(), "closed");
    }
    // A wrong password, and the right password of another user: RFC 1929 failure, closed.
    for (SocksCredentials wrong : List.of(new SocksCredentials("wh", "guess"),
        new SocksCredentials("other", SocksClient.LOGIN.password()))) {
      try (Socket s = new Socket("127.0.0.1", socks.localAddress().getPort())) {
        s.setSoTimeout(10_000);
        DataInputStream in = new DataInputStream(s.getInputStream());
        assertNotEquals(0, SocksClient.login(s.getOutputStream(), in, wrong), "refused (RFC 1929: non-zero status): " + wrong);
        assertEquals(-1, in.read(), "closed after a failed login");
      }
    }
    assertEquals(3, socks.unauthenticatedCount());
    assertEquals(0, socks.relayedCount(), "nothing was dialled for " + name);
    if (Files.isExecutable(Path.of("/usr/bin/curl"))) {
      ProcessBuilder pb = new ProcessBuilder("/usr/bin/curl", "-sS", "--max-time", "20",
          "--socks5-hostname", "127.0.0.1:" + socks.localAddress().getPort(), "-o", tmp.resolve("no").toString(),
          url("web", "/file")).redirectErrorStream(true).redirectOutput(tmp.resolve("curl.log").toFile());
      pb.environment().keySet().removeIf(k -> k.toLowerCase(java.util.Locale.ROOT).contains("proxy"));
      Process p = pb.start();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
      assertEquals(97, p.exitValue(), "curl without the password: proxy handshake refused");
    }
  }

  /** Log in, send a request, assert the reply code; return the open socket. */
  private Socket socksConnect(int cmd, int atyp, byte[] addr, int port, int expectedReply)
      throws IOException {
    Socket s = new Socket("127.0.0.1", socks.localAddress().getPort());
    s.setSoTimeout(15_000);
    OutputStream o = s.getOutputStream();
    DataInputStream in = new DataInputStream(s.getInputStream());
    assertEquals(0, SocksClient.login(o, in, SocksClient.LOGIN), "login accepted");
    ByteArrayOutputStream req = new ByteArrayOutputStream();
    req.write(new byte[] {0x05, (byte) cmd, 0x00, (byte) atyp});
    if (atyp == 0x03) {
      req.write(addr.length);
    }
    req.write(addr);
    req.write(port >> 8);
    req.write(port & 0xFF);
    o.write(req.toByteArray());
    byte[] head = in.readNBytes(4);
    assertEquals(4, head.length, "a reply");
    assertEquals(0x05, head[0]);
    assertEquals(expectedReply, head[1] & 0xFF, "SOCKS reply code");
    assertEquals(0x01, head[3], "bound address is IPv4");
    in.readNBytes(6);
    return s;
  }

  /** Run curl through the proxy (bounded in time, proxy variables cleared); return its exit. */
  private int curl(String url, Path out) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("/usr/bin/curl", "-sS", "--max-time", "20",
        "-x", SocksClient.curlProxy(socks.localAddress().getPort()), "-o", out.toString(),
        url).redirectErrorStream(true).redirectOutput(tmp.resolve("curl.log").toFile());
    pb.environment().keySet().removeIf(k -> k.toLowerCase(java.util.Locale.ROOT).contains("proxy"));
    Process p = pb.start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("curl did not finish");
    }
    return p.exitValue();
  }
}
