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
  private SocksClient() {}

  /**
   * Connect to the proxy at 127.0.0.1:{@code proxyPort}, greet without authentication and CONNECT
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
    o.write(new byte[] {0x05, 0x01, 0x00});
    assertArrayEquals(new byte[] {0x05, 0x00}, in.readNBytes(2));
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
