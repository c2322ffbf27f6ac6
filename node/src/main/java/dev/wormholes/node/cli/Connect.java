package dev.wormholes.node.cli;

import dev.wormholes.node.socks.SocksCredentials;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * {@code wormholes connect}: open {@code SERVICE.NODE_ID.wh} (or its onion or network form) through the daemon's SOCKS5 proxy on
 * 127.0.0.1 (RFC 1928, username/password of RFC 1929 as the status API gives them, CONNECT by
 * name), then copy stdin to the stream and the
 * stream to stdout until the stream ends. End of stdin half-closes the stream (the peer sees EOF
 * and may still answer). SOCKS refusals become one-line errors with exit code 1, and so does a
 * stream the daemon reset (it broke on the way: bytes were lost), so only a stream that ended
 * cleanly exits 0.
 */
final class Connect {
  /** How long the SOCKS negotiation may take: a DHT lookup (10 s) and a few handshakes. */
  static final int NEGOTIATION_TIMEOUT_MS = 30_000;
  private static final int BUFFER = 64 * 1024;

  private final int port;
  private final SocksCredentials login;
  private final String node; // a node id, or a contact's petname or persona id
  private final String service;
  private final boolean onion;
  private final String network;

  Connect(int port, SocksCredentials login, String node, String service) {
    this(port, login, node, service, false, null);
  }

  /**
   * With {@code onion}: through an onion circuit ({@code SERVICE.NODE.onion.wh}); with {@code
   * network} (null: none): inside that private network ({@code SERVICE.NODE.NETWORK.network.wh}).
   */
  Connect(int port, SocksCredentials login, String node, String service, boolean onion, String network) {
    this.port = port;
    this.login = login;
    this.node = node;
    this.service = service;
    this.onion = onion;
    this.network = network;
  }

  /** Return the SOCKS host name this connect asks the daemon for. */
  String host() {
    return service + "." + node + (onion ? ".onion" : "") + (network != null ? "." + network + ".network" : "") + ".wh";
  }

  /** Return the port of {@code 127.0.0.1:PORT} as {@code status} reports the SOCKS proxy. */
  static int socksPort(String address) {
    int colon = address == null ? -1 : address.lastIndexOf(':');
    try {
      int p = Integer.parseInt(address.substring(colon + 1));
      if (colon > 0 && p > 0 && p < 65536) {
        return p;
      }
    } catch (RuntimeException e) {
      // fall through
    }
    throw CliException.failed("the daemon runs no SOCKS proxy (status says socks '" + address + "')");
  }

  /** Bridge {@code in} and {@code out} to the stream; return 0 once the stream ended. */
  int run(InputStream in, OutputStream out) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 3_000);
      s.setTcpNoDelay(true);
      s.setSoTimeout(NEGOTIATION_TIMEOUT_MS);
      negotiate(s);
      s.setSoTimeout(0);
      Thread up = new Thread(() -> pump(in, s), "wormholes-connect-stdin");
      up.setDaemon(true);
      up.start();
      InputStream from = s.getInputStream();
      byte[] buf = new byte[BUFFER];
      for (int n = from.read(buf); n >= 0; n = from.read(buf)) {
        out.write(buf, 0, n);
        out.flush();
      }
      out.flush();
      return 0;
    } catch (java.net.SocketTimeoutException e) {
      throw CliException.failed("the daemon's SOCKS proxy did not answer within "
          + NEGOTIATION_TIMEOUT_MS / 1000 + " s");
    } catch (IOException e) {
      throw CliException.failed("the stream to " + service + " on " + node + " broke before its end, so what"
          + " was printed is incomplete: " + ControlClient.oneLine(String.valueOf(e.getMessage()))
          + (onion ? " (wormholes circuits shows why the circuit or stream ended)" : ""));
    }
  }

  private static void pump(InputStream in, Socket s) {
    try {
      OutputStream to = s.getOutputStream();
      byte[] buf = new byte[BUFFER];
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        to.write(buf, 0, n);
      }
      s.shutdownOutput();
    } catch (IOException e) {
      // The stream ended first (or the socket closed): the reading side reports what matters.
    }
  }

  private void negotiate(Socket s) throws IOException {
    OutputStream o = s.getOutputStream();
    DataInputStream i = new DataInputStream(s.getInputStream());
    o.write(new byte[] {5, 1, 2}); // username/password
    o.flush();
    try {
      if (i.readUnsignedByte() != 5 || i.readUnsignedByte() != 2) {
        throw CliException.failed("the daemon's SOCKS proxy refused the username/password method");
      }
      byte[] user = login.user().getBytes(StandardCharsets.UTF_8);
      byte[] pass = login.password().getBytes(StandardCharsets.UTF_8);
      byte[] auth = new byte[3 + user.length + pass.length];
      auth[0] = 1; // RFC 1929 version
      auth[1] = (byte) user.length;
      System.arraycopy(user, 0, auth, 2, user.length);
      auth[2 + user.length] = (byte) pass.length;
      System.arraycopy(pass, 0, auth, 3 + user.length, pass.length);
      o.write(auth);
      o.flush();
      if (i.readUnsignedByte() != 1 || i.readUnsignedByte() != 0) {
        throw CliException.failed("the daemon's SOCKS proxy refused the password the status API gave");
      }
      byte[] host = host().getBytes(StandardCharsets.US_ASCII);
      byte[] req = new byte[7 + host.length];
      req[0] = 5;
      req[1] = 1; // CONNECT
      req[3] = 3; // domain name
      req[4] = (byte) host.length;
      System.arraycopy(host, 0, req, 5, host.length);
      req[req.length - 1] = 1; // port 1: not used by .wh names
      o.write(req);
      o.flush();
      int version = i.readUnsignedByte();
      int reply = i.readUnsignedByte();
      i.readUnsignedByte();
      skipAddress(i, i.readUnsignedByte());
      if (version != 5 || reply != 0) {
        throw CliException.failed(refusal(reply));
      }
    } catch (EOFException e) {
      throw CliException.failed("the daemon's SOCKS proxy closed the connection during the negotiation");
    }
  }

  private static void skipAddress(DataInputStream i, int type) throws IOException {
    int len = type == 1 ? 4 : type == 4 ? 16 : type == 3 ? i.readUnsignedByte() : 0;
    i.readFully(new byte[len + 2]);
  }

  /** Return the message for SOCKS reply {@code code} (RFC 1928 section 6, as the daemon uses them). */
  String refusal(int code) {
    switch (code) {
      case 2:
        return "the daemon refused the name " + host();
      case 4:
        if (onion) {
          return "no onion circuit carried the stream to " + service + " on " + node
              + " (wormholes circuits shows the last failure)";
        }
        return "cannot reach node " + node + " (no presence record found, or none of its endpoints answered"
            + " with that node's key)";
      case 5:
        return "node " + node + " refused the stream: service '" + service
            + "' is not exposed there, or this node is not allowed to use it";
      default:
        return "the daemon's SOCKS proxy answered with error " + code;
    }
  }
}
