package dev.wormholes.node.natlab;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.wormholes.node.it.LogFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One real {@code bin/wormholed} process inside a lab host's namespace: its data dir, its log,
 * and the commands run beside it in the same namespace ({@code bin/wormholes} and {@code curl}
 * against its loopback control API).
 */
final class LabDaemon {
  /** The UDP port every daemon listens on (each host has an address of its own). */
  static final int PORT = 7447;

  private final LabNet.Host host;
  private final Path dataDir;
  private final Path log;
  private final Map<String, String> env;
  private final Path repo;
  private Process process;
  private String id;

  LabDaemon(LabNet.Host host, Path dataDir, Path log, Path repo, Map<String, String> env) {
    this.host = host;
    this.dataDir = dataDir;
    this.log = log;
    this.repo = repo;
    this.env = env;
  }

  LabNet.Host host() {
    return host;
  }

  String name() {
    return host.name();
  }

  Path dataDir() {
    return dataDir;
  }

  /** Return {@code IP:7447}, where it listens and where others bootstrap from. */
  String address() {
    return host.ip() + ":" + PORT;
  }

  /** Return its node id (known once {@link #awaitReady} returned). */
  String id() {
    return id;
  }

  /**
   * Start {@code bin/wormholed --data DIR --listen IP:7447 --no-mainline EXTRA...} in the host's
   * namespace (the lab has no mainline DHT; nothing may leave it).
   */
  void start(List<String> extra) {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", host.ns(),
        repo.resolve("bin/wormholed").toString(), "--data", dataDir.toString(), "--listen", address(), "--no-mainline"));
    cmd.addAll(extra);
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().putAll(env);
    try {
      Files.writeString(log, "");
      process = pb.start();
    } catch (IOException e) {
      throw new AssertionError("cannot start " + cmd + ": " + e, e);
    }
  }

  /**
   * Return true once its ready line is there (and remember the id it names); throw if the process
   * died first.
   */
  boolean ready() {
    if (id != null) {
      return true;
    }
    for (String l : logText().split("\n")) {
      if (l.startsWith("wormholed ") && l.contains(" listening on udp ")) {
        id = l.split(" ")[1];
        return true;
      }
    }
    if (process != null && !process.isAlive()) {
      throw new AssertionError("wormholed " + name() + " exited with " + process.exitValue()
          + " before it was ready; its log:\n" + logTail(60));
    }
    return false;
  }

  /** Run {@code bin/wormholes --data DIR ARGS...} in the namespace (bounded). */
  LabExec.Result cli(long timeoutSeconds, String... args) {
    List<String> all = new ArrayList<>(List.of("--data", dataDir.toString()));
    all.addAll(List.of(args));
    return launcher("wormholes", timeoutSeconds, all);
  }

  /** Run {@code bin/LAUNCHER ARGS...} in the namespace (bounded), e.g. {@code wormholed --help}. */
  LabExec.Result launcher(String launcher, long timeoutSeconds, List<String> args) {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", host.ns(),
        repo.resolve("bin/" + launcher).toString()));
    cmd.addAll(args);
    return LabExec.run(cmd, env, timeoutSeconds);
  }

  /** Run a shell line in the namespace (bounded); {@code $WH} is {@code bin/wormholes --data DIR}. */
  LabExec.Result shell(long timeoutSeconds, String line) {
    String wh = repo.resolve("bin/wormholes") + " --data " + dataDir;
    return LabExec.run(List.of("ip", "netns", "exec", host.ns(), "bash", "-c", "WH='" + wh + "'; " + line),
        env, timeoutSeconds);
  }

  /**
   * GET {@code path} from its control API with curl in its namespace (a JVM per status poll of
   * many daemons would take the 2 cores); empty when the API does not answer 200 with JSON.
   */
  Optional<JsonObject> api(String path) {
    return api("GET", path, null);
  }

  /** POST {@code body} to {@code path} of its control API; empty unless it answers 200 with JSON. */
  Optional<JsonObject> post(String path, JsonObject body) {
    return api("POST", path, body);
  }

  private Optional<JsonObject> api(String method, String path, JsonObject body) {
    try {
      String port = Files.readString(dataDir.resolve("api.port"), StandardCharsets.UTF_8).trim();
      String token = Files.readString(dataDir.resolve("api.token"), StandardCharsets.UTF_8).trim();
      List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", host.ns(), "curl", "-sS", "--fail",
          "--max-time", "15", "-X", method, "-H", "Authorization: Bearer " + token));
      if (body != null) {
        cmd.addAll(List.of("-H", "Content-Type: application/json", "--data-binary", body.toString()));
      }
      cmd.add("http://" + port + path);
      LabExec.Result r = LabExec.run(cmd, Map.of(), 20);
      return r.ok() ? Optional.of(JsonParser.parseString(r.out()).getAsJsonObject()) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  boolean alive() {
    return process != null && process.isAlive();
  }

  /** SIGTERM, then SIGKILL after 5 s. */
  void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  String logText() {
    return LogFile.text(log);
  }

  /** Return the last {@code n} lines of its log. */
  String logTail(int n) {
    return LogFile.tail(log, n);
  }

  @Override
  public String toString() {
    return name() + "(" + host.type() + ")@" + address();
  }
}
