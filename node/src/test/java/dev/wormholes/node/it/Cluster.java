package dev.wormholes.node.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Real {@code wormholed} processes in one fresh network namespace, with their data dirs and logs
 * in a temp dir; driven only through {@code bin/wormholes}, also run inside the namespace.
 *
 * <p>Both launchers run from this test JVM's classpath ({@code WORMHOLES_CLASSPATH}): during
 * {@code ./mvnw verify} the node jar they would otherwise use is built only after the tests.
 * {@link #close()} kills every process this cluster started, deletes the namespace and the temp
 * dir, also when the test failed.
 */
final class Cluster implements AutoCloseable {
  /** Bound on one {@code bin/wormholes} run: the daemon's own query timeout is 10 s. */
  static final long CLI_TIMEOUT_SECONDS = 40;

  /** JVM options of the daemons: small, quick-starting JVMs, as the machine has 2 cores for everything. */
  static final String DAEMON_OPTS = "-Xmx256m -XX:+UseSerialGC";

  private final Netns ns;
  private final Path dir;
  private final Path repo;
  private volatile Map<String, String> env;
  private final List<NodeProcess> started = new ArrayList<>();

  private Cluster(Netns ns, Path dir, Path repo) {
    this.ns = ns;
    this.dir = dir;
    this.repo = repo;
    this.env = Map.of(
        "WORMHOLES_CLASSPATH", System.getProperty("java.class.path"),
        "WORMHOLES_JAVA_OPTS", DAEMON_OPTS);
  }

  /** Make a namespace and a temp dir (or skip the test where namespaces are unavailable). */
  static Cluster create() throws IOException {
    Path repo = findRepo();
    Netns ns = Netns.create();
    try {
      return new Cluster(ns, Files.createTempDirectory("wh-it-"), repo);
    } catch (IOException | RuntimeException e) {
      ns.close();
      throw e;
    }
  }

  private static Path findRepo() {
    String given = System.getProperty("wormholes.repo");
    if (given != null) {
      return Path.of(given).toAbsolutePath();
    }
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isExecutable(p.resolve("bin/wormholes")) && Files.exists(p.resolve("pom.xml"))) {
        return p;
      }
    }
    throw new AssertionError("cannot find the repo (bin/wormholes) above " + Path.of("").toAbsolutePath());
  }

  /**
   * Add {@code opts} to the JVM options of the daemons and CLI runs started from now on (e.g. a
   * test that restarts a daemon many times trades peak speed for start-up time with {@code
   * -XX:TieredStopAtLevel=1}).
   */
  void addJavaOpts(String opts) {
    Map<String, String> e = new java.util.HashMap<>(env);
    e.put("WORMHOLES_JAVA_OPTS", e.get("WORMHOLES_JAVA_OPTS") + " " + opts);
    env = Map.copyOf(e);
  }

  /** Return the data dir of node {@code name} (not created: the daemon creates it). */
  Path dataDir(String name) {
    return dir.resolve(name);
  }

  /**
   * Start {@code bin/wormholed --data DIR/name --listen 127.0.0.1:udpPort --no-lan-discovery
   * --no-mainline} with a {@code --bootstrap} for each of {@code bootstrap}; do not wait for it to
   * be ready.
   */
  NodeProcess start(String name, int udpPort, NodeProcess... bootstrap) {
    List<String> args = new ArrayList<>(List.of("--data", dataDir(name).toString(),
        "--listen", "127.0.0.1:" + udpPort, "--no-lan-discovery", "--no-mainline"));
    for (NodeProcess b : bootstrap) {
      args.add("--bootstrap");
      args.add(b.address());
    }
    return launch(name, udpPort, args);
  }

  /**
   * Start {@code bin/wormholed --data DIR/name --listen 127.0.0.1:udpPort --no-lan-discovery
   * EXTRA...}, without {@code --no-mainline}: {@code extra} must name loopback mainline routers
   * ({@code --mainline-router}) or {@code --no-mainline}.
   */
  NodeProcess startWith(String name, int udpPort, String... extra) {
    List<String> args = new ArrayList<>(List.of("--data", dataDir(name).toString(),
        "--listen", "127.0.0.1:" + udpPort, "--no-lan-discovery"));
    args.addAll(List.of(extra));
    if (!args.contains("--no-mainline") && !args.contains("--mainline-router")) {
      throw new IllegalArgumentException("a test daemon must use loopback mainline routers or --no-mainline");
    }
    return launch(name, udpPort, args);
  }

  /** Start {@code bin/wormholed} with exactly {@code args} (for wrong invocations). */
  NodeProcess startRaw(String name, String... args) {
    return launch(name, 0, List.of(args));
  }

  /** Start {@code old}'s data dir again, on {@code udpPort}, with no bootstrap flags. */
  NodeProcess restart(NodeProcess old, int udpPort) {
    return launch(old.name(), udpPort, List.of("--data", old.dataDir().toString(),
        "--listen", "127.0.0.1:" + udpPort, "--no-lan-discovery", "--no-mainline"));
  }

  private synchronized NodeProcess launch(String name, int udpPort, List<String> args) {
    List<String> command = new ArrayList<>(List.of(repo.resolve("bin/wormholed").toString()));
    command.addAll(args);
    Path log = dir.resolve(name + "-" + started.size() + ".log");
    ProcessBuilder pb = new ProcessBuilder(ns.wrap(command))
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().putAll(env);
    try {
      NodeProcess n = new NodeProcess(name, dataDir(name), udpPort, pb.start(), log);
      started.add(n);
      return n;
    } catch (IOException e) {
      throw new AssertionError("cannot start " + command + ": " + e, e);
    }
  }

  /** Run {@code bin/wormholes --data DATA ARGS...} inside the namespace and wait for it. */
  CliResult cli(Path dataDir, String... args) {
    List<String> command = new ArrayList<>(List.of(repo.resolve("bin/wormholes").toString(),
        "--data", dataDir.toString()));
    command.addAll(List.of(args));
    long t0 = System.nanoTime();
    Exec.Result r = Exec.run(ns.wrap(command), env, CLI_TIMEOUT_SECONDS);
    String shown = "wormholes --data " + dataDir.getFileName() + " " + String.join(" ", args);
    System.out.printf("[it] %s -> exit %d in %d ms%n", shown, r.exit(), (System.nanoTime() - t0) / 1_000_000);
    return new CliResult(shown, r.exit(), r.out(), r.err());
  }

  /** Return {@code command} prefixed so that it runs inside the cluster's namespace (killed at close). */
  List<String> inNamespace(String... command) {
    return ns.wrap(List.of(command));
  }

  /** Return the environment the cluster runs {@code bin/} scripts with. */
  Map<String, String> env() {
    return env;
  }

  /** Return the repository root (for {@code bin/}). */
  Path repo() {
    return repo;
  }

  /**
   * Start {@code python3 -m http.server} on 127.0.0.1:{@code port} inside the namespace and return
   * the directory it serves (in the cluster's temp dir; files may be written there at any time).
   * It runs until {@link #close()}, which kills it with everything else in the namespace.
   */
  Path webServer(int port) throws IOException {
    Path www = Files.createDirectories(dir.resolve("www-" + port));
    new ProcessBuilder(inNamespace("python3", "-m", "http.server", String.valueOf(port), "--bind", "127.0.0.1",
        "--directory", www.toString()))
        .redirectErrorStream(true).redirectOutput(dir.resolve("http-" + port + ".log").toFile()).start();
    return www;
  }

  /**
   * Return a shell command that sends {@code GET PATH HTTP/1.0} through {@code bin/wormholes
   * connect ARGS} run against node {@code via} (the response on its stdout).
   */
  String httpGet(NodeProcess via, String path, String connectArgs) {
    return "printf 'GET " + path + " HTTP/1.0\\r\\n\\r\\n' | " + repo.resolve("bin/wormholes") + " --data "
        + via.dataDir() + " connect " + connectArgs;
  }

  /** Run {@code bin/wormholes} against node {@code n}'s data dir. */
  CliResult cli(NodeProcess n, String... args) {
    return cli(n.dataDir(), args);
  }

  /**
   * Repeat {@code call} (every 500 ms, within {@code atMost}) until its result satisfies
   * {@code done}; return that result, or fail showing the last one.
   */
  static CliResult eventually(String what, Duration atMost, Supplier<CliResult> call, Predicate<CliResult> done) {
    return eventually(what, atMost, Duration.ofMillis(500), call, done);
  }

  /** {@link #eventually(String, Duration, Supplier, Predicate)}, trying every {@code every}. */
  static CliResult eventually(String what, Duration atMost, Duration every, Supplier<CliResult> call,
      Predicate<CliResult> done) {
    AtomicReference<CliResult> last = new AtomicReference<>();
    try {
      await(what).atMost(atMost).pollDelay(Duration.ZERO).pollInterval(every)
          .until(() -> {
            CliResult r = call.get();
            last.set(r);
            return done.test(r);
          });
    } catch (ConditionTimeoutException e) {
      CliResult r = last.get();
      throw new AssertionError(what + ": not within " + atMost.toSeconds() + " s; last try: "
          + (r == null ? "none finished" : r.describe()), e);
    }
    return last.get();
  }

  /** Print the tail of every daemon's log (for a failed test). */
  void printLogs(PrintStream out) {
    for (NodeProcess n : List.copyOf(started)) {
      out.println("===== wormholed " + n + " (alive: " + n.process().isAlive() + "), last lines of its log:");
      out.println(n.logTail(40));
    }
  }

  /** Kill every started process, delete the namespace and the temp dir. */
  @Override
  public synchronized void close() {
    try {
      for (NodeProcess n : started) {
        if (n.process().isAlive()) {
          n.kill9();
        }
      }
    } finally {
      ns.close();
      deleteTree(dir);
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("could not delete " + root + ": " + e);
    }
  }
}
