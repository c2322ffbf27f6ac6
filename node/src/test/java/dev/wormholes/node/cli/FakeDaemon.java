package dev.wormholes.node.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-process stand-in for a daemon's control API on 127.0.0.1: answers every request with one
 * canned status and body, records what it was sent, and writes {@code api.port} and
 * {@code api.token} into a data dir the way wormholed does.
 */
final class FakeDaemon implements AutoCloseable {
  static final String TOKEN = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

  /** One request the fake received. */
  record Request(String method, String path, String authorization, String body) {}

  private final HttpServer server;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private volatile int status = 200;
  private volatile String body = "{}";

  FakeDaemon(Path dataDir) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
    Files.createDirectories(dataDir);
    Files.writeString(dataDir.resolve("api.port"), "127.0.0.1:" + port() + "\n");
    Files.writeString(dataDir.resolve("api.token"), TOKEN + "\n");
  }

  /** Answer every following request with {@code status} and {@code body}. */
  FakeDaemon answer(int status, String body) {
    this.status = status;
    this.body = body;
    return this;
  }

  int port() {
    return server.getAddress().getPort();
  }

  List<Request> requests() {
    return requests;
  }

  private void handle(HttpExchange ex) throws IOException {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    String in = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    requests.add(new Request(ex.getRequestMethod(), ex.getRequestURI().getPath(), auth, in));
    boolean authorized = ("Bearer " + TOKEN).equals(auth);
    byte[] out = (authorized ? body : "{\"error\":\"missing or wrong token\"}").getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(authorized ? status : 401, out.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(out);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
