package dev.wormholes.node.socks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A test client of the SOCKS5 proxy: a CONNECT by domain name, asserted to succeed. */
final class SocksClient {
  /** The login the tests' proxies are bound with. */
  static final SocksCredentials LOGIN = new SocksCredentials("wh", "0123456789abcdef0123456789abcdef");

  private SocksClient() {}

  /** Greet offering username/password and log in with {@code login}; assert both answers; return the status byte. */
  static int login(OutputStream o, DataInputStream in, SocksCredentials login) throws IOException {
    o.write(new byte[] {0x05, 0x01, 0x02});
    assertArrayEquals(new byte[] {0x05, 0x02}, in.readNBytes(2), "username/password chosen");
    byte[] user = login.user().getBytes(StandardCharsets.UTF_8);
    byte[] pass = login.password().getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream req = new ByteArrayOutputStream();
    req.write(1);
    req.write(user.length);
    req.write(user);
    req.write(pass.length);
    req.write(pass);
    o.write(req.toByteArray());
    byte[] r = in.readNBytes(2);
    assertEquals(0x01, r[0], "RFC 1929 version");
    return r[1] & 0xFF;
  }

  /** Return curl's {@code -x} argument for the proxy on {@code port} with {@link #LOGIN}. */
  static String curlProxy(int port) {
    return LOGIN.url("127.0.0.1:" + port);
  }

  /**
   * Connect to the proxy at 127.0.0.1:{@code proxyPort}, log in with {@link #LOGIN} and CONNECT
   * to {@code host}:80; assert that the proxy accepts both; return the socket, ready for the
   * stream's bytes.
   *
   * @param receiveBufferBytes the socket's fixed receive buffer, set before connecting (no
   *     autotuning), or 0 to keep the system's default
   * @param soTimeoutMs the socket's read timeout
   */
  static Socket connect(int proxyPort, String host, int receiveBufferBytes, int soTimeoutMs) throws IOException {
    Socket s = new Socket();
    if (receiveBufferBytes > 0) {
      s.setReceiveBufferSize(receiveBufferBytes);
    }
    s.connect(new InetSocketAddress("127.0.0.1", proxyPort));
    s.setSoTimeout(soTimeoutMs);
    OutputStream o = s.getOutputStream();
    DataInputStream in = new DataInputStream(s.getInputStream());
    assertEquals(0, login(o, in, LOGIN), "login accepted");
    byte[] name = host.getBytes(StandardCharsets.US_ASCII);
    ByteArrayOutputStream req = new ByteArrayOutputStream();
    req.write(new byte[] {0x05, 0x01, 0x00, 0x03, (byte) name.length});
    req.write(name);
    req.write(new byte[] {0, 80});
    o.write(req.toByteArray());
    byte[] reply = in.readNBytes(10);
    assertEquals(0x00, reply[1], "SOCKS reply code");
    return s;
  }
}
