package dev.wormholes.node.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URL;
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
 *
 * <p>Requests go through the JDK's {@link HttpURLConnection} rather than {@code java.net.http}: each
 * CLI run makes one or two requests in a fresh JVM, and the asynchronous client's ~260 classes
 * were a large part of that JVM's start.
 */
public final class ControlClient {
  /** How long to wait for the TCP connection to the daemon. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
  /** How long to wait for an answer: the daemon's own query timeout is 10 s. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);
  /** The largest answer read; the daemon's answers are a few KB. */
  static final int MAX_ANSWER = 4 << 20;

  private static final String LOOPBACK = "127.0.0.1";

  private final Path dataDir;
  private final String shownDir;

  /**
   * Create a client for the daemon of {@code dataDir}; {@code shownDir} is how messages name the
   * directory (as the user typed it).
   */
  public ControlClient(Path dataDir, String shownDir) {
    this.dataDir = dataDir;
    this.shownDir = shownDir;
  }

  /** Call {@code GET path} (for example {@code /v1/status}) and return the JSON object answered. */
  public JsonObject get(String path) {
    return send("GET", path, null);
  }

  /** Call {@code POST path} with a JSON body and return the JSON object answered. */
  public JsonObject post(String path, JsonObject body) {
    return send("POST", path, body.toString().getBytes(StandardCharsets.UTF_8));
  }

  private JsonObject send(String method, String path, byte[] body) {
    int port = readPort();
    String token = readToken();
    HttpURLConnection c = null;
    try {
      // Proxy.NO_PROXY: requests go straight to loopback whatever the JVM's proxy settings say.
      c = (HttpURLConnection) new URL("http", LOOPBACK, port, path).openConnection(Proxy.NO_PROXY);
      c.setRequestMethod(method);
      c.setInstanceFollowRedirects(false);
      c.setUseCaches(false);
      c.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
      c.setReadTimeout((int) REQUEST_TIMEOUT.toMillis());
      c.setRequestProperty("Authorization", "Bearer " + token);
      c.setRequestProperty("Accept", "application/json");
      if (body != null) {
        c.setRequestProperty("Content-Type", "application/json");
        c.setDoOutput(true);
        c.setFixedLengthStreamingMode(body.length);
      }
      try {
        c.connect();
      } catch (ConnectException | SocketTimeoutException e) {
        // api.port is left behind by a daemon that crashed (kill -9) or was never cleanly stopped.
        throw CliException.noDaemon(shownDir);
      }
      if (body != null) {
        try (OutputStream out = c.getOutputStream()) {
          out.write(body);
        }
      }
      int status = c.getResponseCode();
      InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
      String text = "";
      if (in != null) {
        try (in) {
          byte[] bytes = in.readNBytes(MAX_ANSWER + 1);
          if (bytes.length > MAX_ANSWER) {
            throw CliException.failed("the daemon's answer is larger than " + (MAX_ANSWER >> 20) + " MiB");
          }
          text = new String(bytes, StandardCharsets.UTF_8);
        }
      }
      return answer(status, text, port);
    } catch (SocketTimeoutException e) {
      throw CliException.failed("the daemon did not answer within " + REQUEST_TIMEOUT.toSeconds() + " s");
    } catch (IOException e) {
      throw CliException.failed("lost the connection to the daemon at " + LOOPBACK + ":" + port
          + " (" + oneLine(String.valueOf(e.getMessage())) + ")");
    } finally {
      if (c != null) {
        c.disconnect();
      }
    }
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
