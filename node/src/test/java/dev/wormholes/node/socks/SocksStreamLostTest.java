package dev.wormholes.node.socks;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.node.stream.Exposure;
import dev.wormholes.node.stream.LocalPortService;
import dev.wormholes.node.stream.StreamTestSupport;
import dev.wormholes.node.stream.StreamTransport;
import dev.wormholes.proto.Identity;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A stream lost in the middle (the serving node goes away) must reach the SOCKS client as a
 * failure, never as a clean end: otherwise {@code wormholes connect} and curl report a cut-short
 * transfer as success. The proxy resets the client's socket.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SocksStreamLostTest {
  private ServerSocket endless;
  private StreamTransport a;
  private StreamTransport b;
  private SocksServer socks;

  @AfterEach
  void stop() throws Exception {
    socks.close();
    a.close();
    if (b != null) {
      b.close();
    }
    endless.close();
  }

  @Test
  void aStreamCutByItsNodeClosingIsAResetNotAnEnd() throws Exception {
    StreamTestSupport.quietLogs();
    endless = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
    Thread server = new Thread(() -> {
      try (Socket s = endless.accept()) {
        byte[] chunk = new byte[64 * 1024];
        OutputStream o = s.getOutputStream();
        while (true) {
          o.write(chunk);
        }
      } catch (IOException e) {
        // the stream was cut: expected
      }
    }, "endless");
    server.setDaemon(true);
    server.start();
    Identity bob = StreamTestSupport.newIdentity();
    a = StreamTransport.builder(StreamTestSupport.newIdentity()).build();
    b = StreamTransport.builder(bob).build();
    b.expose("endless", Exposure.open(new LocalPortService(
        new InetSocketAddress("127.0.0.1", endless.getLocalPort()))));
    InetSocketAddress bAddr = b.localAddress();
    socks = SocksServer.bind(new InetSocketAddress("127.0.0.1", 0),
        new TransportDialer(a, id -> id.equals(bob.id()) ? Optional.of(bAddr) : Optional.empty()), SocksClient.LOGIN);

    try (Socket s = socksConnect("endless." + bob.id() + ".wh")) {
      InputStream in = s.getInputStream();
      byte[] buf = new byte[64 * 1024];
      long n = 0;
      while (n < (1 << 20)) {
        int r = in.read(buf);
        assertTrue(r > 0, "the stream ended before 1 MiB arrived");
        n += r;
      }
      b.close(); // the serving node goes away mid-stream
      b = null;
      AtomicLong after = new AtomicLong();
      IOException e = assertThrows(IOException.class, () -> {
        for (int r = in.read(buf); r >= 0; r = in.read(buf)) {
          after.addAndGet(r);
        }
      }, "the cut stream ended like a complete one");
      assertTrue(String.valueOf(e.getMessage()).toLowerCase().contains("reset"), e.toString());
    }
  }

  private Socket socksConnect(String host) throws IOException {
    return SocksClient.connect(socks.localAddress().getPort(), host, 0, 40_000);
  }
}
