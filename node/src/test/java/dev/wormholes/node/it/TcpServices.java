package dev.wormholes.node.it;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * Plain TCP services on a loopback {@link ServerSocket}, served by daemon threads until the socket
 * is closed: the services tests and benchmarks expose through a node.
 */
public final class TcpServices {
  private TcpServices() {}

  /** Send every connection {@code bytes} bytes (each on its own thread), then close it. */
  public static void source(ServerSocket server, long bytes) {
    daemon("source", () -> {
      byte[] chunk = new byte[64 * 1024];
      while (!server.isClosed()) {
        Socket s;
        try {
          s = server.accept();
        } catch (IOException e) {
          return;
        }
        daemon("source-conn", () -> {
          try (s; OutputStream out = s.getOutputStream()) {
            for (long left = bytes; left > 0; left -= chunk.length) {
              out.write(chunk, 0, (int) Math.min(chunk.length, left));
            }
          } catch (IOException e) {
            // the reader went away
          }
        });
      }
    });
  }

  /** Answer each connection, one at a time, with everything it sent once it ended its side. */
  public static void echo(ServerSocket server) {
    daemon("echo", () -> {
      while (!server.isClosed()) {
        try (Socket s = server.accept()) {
          s.getOutputStream().write(s.getInputStream().readAllBytes());
        } catch (IOException e) {
          return;
        }
      }
    });
  }

  private static void daemon(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
  }
}
