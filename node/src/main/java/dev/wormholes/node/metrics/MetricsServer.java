package dev.wormholes.node.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serve {@link NodeMetrics#scrape()} as Prometheus text at {@code GET /metrics} on a loopback
 * address, with the JDK's HTTP server on one thread of its own (scrapes are rare and small; the
 * control API's token does not apply, so this listener serves nothing else). Other paths get 404,
 * other methods 405.
 */
public final class MetricsServer implements AutoCloseable {
  /** The Prometheus text exposition format's content type. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;

  private MetricsServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Bind {@code address} (must be loopback) and serve {@code metrics}. Throw {@link
   * IllegalArgumentException} for a non-loopback address, {@link IllegalStateException} if the
   * bind fails.
   */
  public static MetricsServer start(InetSocketAddress address, NodeMetrics metrics) {
    if (address.getAddress() == null || !address.getAddress().isLoopbackAddress()) {
      throw new IllegalArgumentException("metrics are served on loopback only, not on " + address);
    }
    HttpServer server;
    try {
      server = HttpServer.create(address, 16);
    } catch (IOException e) {
      throw new IllegalStateException("cannot bind the metrics listener on " + address + ": " + e.getMessage(), e);
    }
    ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "wormholes-metrics");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", exchange -> handle(exchange, metrics));
    server.start();
    return new MetricsServer(server, executor);
  }

  private static void handle(HttpExchange exchange, NodeMetrics metrics) throws IOException {
    try (exchange) {
      int status;
      byte[] body;
      if (!exchange.getRequestURI().getPath().equals("/metrics")) {
        status = 404;
        body = "not found: GET /metrics\n".getBytes(StandardCharsets.UTF_8);
      } else if (!exchange.getRequestMethod().equals("GET")) {
        status = 405;
        body = "method not allowed: GET /metrics\n".getBytes(StandardCharsets.UTF_8);
      } else {
        status = 200;
        body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
      }
      exchange.getResponseHeaders().set("Content-Type", status == 200 ? CONTENT_TYPE : "text/plain; charset=utf-8");
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** Return the bound address. */
  public InetSocketAddress localAddress() {
    return server.getAddress();
  }

  /** Stop listening and release the thread. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
