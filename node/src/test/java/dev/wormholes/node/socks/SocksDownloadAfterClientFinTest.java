package dev.wormholes.node.socks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.wormholes.node.stream.Exposure;
import dev.wormholes.node.stream.LocalPortService;
import dev.wormholes.node.stream.NettyTransports;
import dev.wormholes.node.stream.StreamTestSupport;
import dev.wormholes.node.stream.StreamTransport;
import dev.wormholes.proto.Identity;
import io.netty.channel.epoll.EpollServerSocketChannel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP/1.0 and {@code wormholes connect </dev/null} pattern through the SOCKS proxy: the
 * client ends its output right after the CONNECT, the service answers only once that FIN reached
 * it, and the client reads nothing for a while (small fixed receive buffer), so the relay has to
 * wait for writability on a client socket whose input has ended. Every byte must arrive, then EOF.
 * With the proxy on epoll sockets (Netty 4.2.18) about 4 MB of 48 arrived, then EOF; and the
 * proxy now refuses to bind epoll server channels.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SocksDownloadAfterClientFinTest {
  private static final int BYTES = 48 << 20;
  private static final byte[] DATA = StreamTestSupport.payload(BYTES, 17);

  private ServerSocket blast;
  private Thread blaster;
  private StreamTransport a;
  private StreamTransport b;
  private SocksServer socks;
  private Identity bob;
  private TransportDialer dialer;

  @BeforeEach
  void start() throws Exception {
    StreamTestSupport.quietLogs();
    blast = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
    blaster = new Thread(this::serveOnce, "blast");
    blaster.setDaemon(true);
    blaster.start();
    bob = StreamTestSupport.newIdentity();
    a = StreamTransport.builder(StreamTestSupport.newIdentity()).build();
    b = StreamTransport.builder(bob).build();
    b.expose("blast", Exposure.open(new LocalPortService(
        new InetSocketAddress("127.0.0.1", blast.getLocalPort()))));
    InetSocketAddress bAddr = b.localAddress();
    dialer = new TransportDialer(a, id -> id.equals(bob.id()) ? Optional.of(bAddr) : Optional.empty());
    socks = SocksServer.bind(new InetSocketAddress("127.0.0.1", 0), dialer, SocksClient.LOGIN);
  }

  private void serveOnce() {
    try (Socket s = blast.accept()) {
      // Answer only after the request ended (the client's FIN has crossed the proxy), as an
      // HTTP/1.0 server or `wormholes connect </dev/null` to a download service would.
      s.getInputStream().transferTo(OutputStream.nullOutputStream());
      s.getOutputStream().write(DATA);
      s.shutdownOutput();
    } catch (IOException e) {
      // the client's assertions report what went wrong
    }
  }

  @AfterEach
  void stop() throws Exception {
    socks.close();
    a.close();
    b.close();
    blast.close();
  }

  @Test
  void everyByteArrivesAfterTheClientEndedItsOutput() throws Exception {
    try (Socket s = socksConnect("blast." + bob.id() + ".wh")) {
      s.shutdownOutput(); // stdin at EOF before anything came back
      // Read nothing for a while: the socket buffers fill, so the proxy's writes to this
      // half-closed socket have to wait for writability.
      Thread.sleep(1_000);
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      long n = 0;
      long sincePause = 0;
      byte[] buf = new byte[64 * 1024];
      InputStream in = s.getInputStream();
      for (int r = in.read(buf); r >= 0; r = in.read(buf)) {
        md.update(buf, 0, r);
        n += r;
        sincePause += r;
        if (sincePause >= 16 << 20) { // and again now and then
          sincePause = 0;
          Thread.sleep(100);
        }
      }
      assertEquals(BYTES, n, "bytes before EOF");
      assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(DATA), md.digest());
    }
  }

  @Test
  void theProxyRefusesEpollServerChannels() {
    assumeTrue(NettyTransports.epoll(), "epoll not available");
    assertThrows(IllegalArgumentException.class, () -> SocksServer.bind(
        new InetSocketAddress("127.0.0.1", 0), a.group(), EpollServerSocketChannel.class, dialer, SocksClient.LOGIN));
  }

  private Socket socksConnect(String host) throws IOException {
    // A fixed receive buffer (no autotuning): the proxy's writes soon wait.
    return SocksClient.connect(socks.localAddress().getPort(), host, 64 * 1024, 30_000);
  }
}
