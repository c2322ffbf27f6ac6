package dev.wormholes.node.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A client of one daemon's control API (HTTP/1.1 + JSON on loopback, see README "Control API").
 *
 * <p>Find the daemon through {@code DATA/api.port} and authenticate with {@code DATA/api.token};
 * connect to 127.0.0.1 only, whatever the files say. Every failure becomes a {@link CliException}
 * with a one-line message and the contract's exit code: 3 when no daemon answers for the data dir,
 * 2 for input the daemon rejects (400, 413), 1 for everything else (404, 503, 504, ...).
 */
public final class ControlClient {
  /** How long to wait for the TCP connection to the daemon. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
  /** How long to wait for an answer: the daemon's own query timeout is 10 s. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

  private static final String LOOPBACK = "127.0.0.1";

  private final Path dataDir;
  private final String shownDir;
  private final HttpClient http;

  /**
   * Create a client for the daemon of {@code dataDir}; {@code shownDir} is how messages name the
   * directory (as the user typed it).
   */
  public ControlClient(Path dataDir, String shownDir) {
    this.dataDir = dataDir;
    this.shownDir = shownDir;
    // No proxy is configured: requests go straight to loopback.
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(CONNECT_TIMEOUT)
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /** Call {@code GET path} (for example {@code /v1/status}) and return the JSON object answered. */
  public JsonObject get(String path) {
    return send(path, HttpRequest.newBuilder().GET());
  }

  /** Call {@code POST path} with a JSON body and return the JSON object answered. */
  public JsonObject post(String path, JsonObject body) {
    return send(path, HttpRequest.newBuilder()
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)));
  }

  private JsonObject send(String path, HttpRequest.Builder request) {
    int port = readPort();
    String token = readToken();
    request.uri(URI.create("http://" + LOOPBACK + ":" + port + path))
        .timeout(REQUEST_TIMEOUT)
        .header("Authorization", "Bearer " + token)
        .header("Accept", "application/json");
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (ConnectException | HttpConnectTimeoutException e) {
      // api.port is left behind by a daemon that crashed (kill -9) or was never cleanly stopped.
      throw CliException.noDaemon(shownDir);
    } catch (HttpTimeoutException e) {
      throw CliException.failed("the daemon did not answer within " + REQUEST_TIMEOUT.toSeconds() + " s");
    } catch (IOException e) {
      throw CliException.failed("lost the connection to the daemon at " + LOOPBACK + ":" + port
          + " (" + oneLine(String.valueOf(e.getMessage())) + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.failed("interrupted");
    }
    return answer(response.statusCode(), response.body(), port);
  }

  private JsonObject answer(int status, String body, int port) {
    JsonObject json = parseObject(body);
    if (status == 200) {
      if (json == null) {
        throw CliException.failed("the daemon answered with something that is not a JSON object");
      }
      return json;
    }
    String error = json != null && json.has("error") && json.get("error").isJsonPrimitive()
        ? oneLine(json.get("error").getAsString())
        : "the daemon answered HTTP " + status;
    switch (status) {
      case 400:
      case 413:
        throw CliException.usage(error);
      case 401:
        throw new CliException(CliException.NO_DAEMON, "the API at " + LOOPBACK + ":" + port
            + " refused the token in " + shownDir + "/api.token; no daemon of this data dir answers there"
            + " (start one with bin/wormholed --data " + shownDir + ")");
      default:
        throw CliException.failed(error);
    }
  }

  /** Return {@code body} as a JSON object, or null if it is not one. */
  static JsonObject parseObject(String body) {
    try {
      JsonElement e = JsonParser.parseString(body);
      return e.isJsonObject() ? e.getAsJsonObject() : null;
    } catch (JsonParseException | IllegalStateException e) {
      return null;
    }
  }

  private int readPort() {
    String text = readFile("api.port").trim();
    int colon = text.lastIndexOf(':');
    String host = colon < 0 ? "" : text.substring(0, colon);
    if (!host.equals(LOOPBACK) && !host.equals("localhost")) {
      throw CliException.failed(shownDir + "/api.port names '" + oneLine(text)
          + "'; wormholes only talks to a daemon on " + LOOPBACK);
    }
    try {
      int port = Integer.parseInt(text.substring(colon + 1));
      if (port >= 1 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // fall through to the message below
    }
    throw CliException.failed(shownDir + "/api.port is damaged: '" + oneLine(text) + "'");
  }

  private String readToken() {
    String token = readFile("api.token").trim();
    if (token.isEmpty() || !token.matches("[0-9a-fA-F]+")) {
      throw CliException.failed(shownDir + "/api.token is damaged (expected a hex token)");
    }
    return token;
  }

  private String readFile(String name) {
    Path file = dataDir.resolve(name);
    try {
      if (Files.size(file) > 4096) {
        throw CliException.failed(shownDir + "/" + name + " is damaged (too large)");
      }
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw CliException.noDaemon(shownDir);
    } catch (AccessDeniedException e) {
      throw CliException.failed("cannot read " + shownDir + "/" + name
          + ": permission denied (run wormholes as the user that runs wormholed)");
    } catch (IOException e) {
      throw CliException.failed("cannot read " + shownDir + "/" + name + ": " + oneLine(String.valueOf(e.getMessage())));
    }
  }

  /** Return {@code s} on one line. */
  static String oneLine(String s) {
    return s.replaceAll("[\\r\\n]+", " ").strip();
  }
}
