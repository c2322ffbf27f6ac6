package dev.wormholes.nat.lab;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Assumptions;

/**
 * A NAT lab for one test: real kernel NATs in network namespaces built by {@code
 * nat/lab/natlab.sh} under a unique prefix, processes started inside them, and teardown of all of
 * it on {@link #close()} (and, should the JVM die first, from a shutdown hook).
 *
 * <p>Only TEST-NET and private addresses inside the lab's own namespaces are ever used: nothing
 * reaches the machine's real network.
 */
public final class NatLab implements AutoCloseable {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final Path LAB_DIR = locateLabDir();

  /**
   * One host of the lab.
   *
   * @param name node name (site-hN, or rv1/rv2)
   * @param ns its network namespace
   * @param ip its address
   * @param gateway its default gateway on the LAN (empty for public hosts)
   * @param type the site's NAT type
   */
  public record Node(String name, String ns, String ip, String gateway, String type) {}

  private final String prefix;
  private final Map<String, Node> nodes = new HashMap<>();
  private final List<LabProcess> processes = new ArrayList<>();
  private final Thread hook;

  private NatLab(String prefix) {
    this.prefix = prefix;
    this.hook = new Thread(this::down, "natlab-teardown-" + prefix);
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /**
   * Skip the calling test loudly when the machine cannot run the lab (not root, no {@code ip
   * netns}, no nft); fail instead when {@code CI=true}, where the lab must run.
   */
  public static void requireLab() {
    String why = null;
    if (!"root".equals(System.getProperty("user.name"))) {
      why = "not root";
    } else if (!works("ip", "netns", "list") || !works("nft", "--version") || !works("python3", "--version")) {
      why = "ip netns, nft or python3 unavailable";
    }
    if (why == null) {
      return;
    }
    String msg = "\n*** NAT LAB NOT RUN: " + why + ". These tests need root, iproute2, nftables, "
        + "miniupnpd, coturn and python3 (.ci/run installs them). ***\n";
    System.err.println(msg);
    if ("true".equals(System.getenv("CI"))) {
      fail(msg);
    }
    Assumptions.abort(msg);
  }

  private static boolean works(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static Path locateLabDir() {
    for (Path p : List.of(Path.of("lab"), Path.of("nat", "lab"))) {
      if (Files.isRegularFile(p.resolve("natlab.sh"))) {
        return p.toAbsolutePath();
      }
    }
    return Path.of("lab").toAbsolutePath();
  }

  /** Build a lab with the given {@code SITE=TYPE} specs (see natlab.sh). */
  public static NatLab up(String... specs) throws IOException, InterruptedException {
    requireLab();
    reapOrphans();
    String prefix = "wl" + ProcessHandle.current().pid() + "x" + COUNTER.incrementAndGet();
    NatLab lab = new NatLab(prefix);
    List<String> cmd = new ArrayList<>(List.of(LAB_DIR.resolve("natlab.sh").toString(), "up", prefix));
    cmd.addAll(List.of(specs));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      lab.close();
      throw new IOException("natlab.sh up failed:\n" + out);
    }
    for (String line : out.split("\n")) {
      Map<String, String> kv = new HashMap<>();
      for (String f : line.trim().split(" ")) {
        int eq = f.indexOf('=');
        if (eq > 0) {
          kv.put(f.substring(0, eq), f.substring(eq + 1));
        }
      }
      if (kv.containsKey("node")) {
        lab.nodes.put(kv.get("node"), new Node(kv.get("node"), kv.get("ns"), kv.get("ip"),
            kv.getOrDefault("gw", ""), kv.get("type")));
      }
    }
    return lab;
  }

  /**
   * Tear down labs of this fixture whose JVM died before its teardown ran (killed with SIGKILL):
   * their prefix names a process id that no longer exists.
   */
  private static void reapOrphans() throws IOException, InterruptedException {
    Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(10, TimeUnit.SECONDS);
    java.util.Set<String> dead = new java.util.TreeSet<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^(wl(\\d+)x\\d+)-").matcher(out);
    while (m.find()) {
      if (ProcessHandle.of(Long.parseLong(m.group(2))).isEmpty()) {
        dead.add(m.group(1));
      }
    }
    for (String prefix : dead) {
      new NatLab(prefix).close();
    }
  }

  /** Return the node called {@code name} (e.g. "a-h1", "rv1"). */
  public Node node(String name) {
    Node n = nodes.get(name);
    if (n == null) {
      throw new IllegalArgumentException("no node " + name + " in " + nodes.keySet());
    }
    return n;
  }

  /** Return the lab's state directory (logs of daemons it started). */
  public Path stateDir() {
    return Path.of("/tmp/natlab-" + prefix);
  }

  /**
   * Wait (bounded) until the miniupnpd of site number {@code siteIndex} (1-based, in spec order)
   * has passed its STUN check and enabled port forwarding.
   */
  public void awaitMiniupnpd(int siteIndex) throws IOException, InterruptedException {
    Path log = stateDir().resolve("miniupnpd-" + siteIndex + ".log");
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < end) {
      if (Files.exists(log) && Files.readString(log).contains("Port forwarding is now enabled")) {
        return;
      }
      Thread.sleep(100); // real I/O: miniupnpd's own STUN check against coturn
    }
    fail("miniupnpd never enabled port forwarding:\n" + (Files.exists(log) ? Files.readString(log) : "no log"));
  }

  /** Start {@code cmd} inside {@code node}'s namespace; it is killed on {@link #close()}. */
  public LabProcess start(Node node, List<String> cmd) throws IOException {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", node.ns()));
    full.addAll(cmd);
    LabProcess p = new LabProcess(node.name(), new ProcessBuilder(full).redirectErrorStream(true).start());
    processes.add(p);
    return p;
  }

  /** Start the python helper {@code script} (in nat/lab) inside {@code node}. */
  public LabProcess python(Node node, String script, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("python3", LAB_DIR.resolve(script).toString()));
    cmd.addAll(List.of(args));
    return start(node, cmd);
  }

  /** Start {@link LabDriver} with {@code args} inside {@code node}, on this JVM's classpath. */
  public LabProcess java(Node node, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx96m", "-Xss512k",
        "-cp", System.getProperty("java.class.path"), LabDriver.class.getName()));
    cmd.addAll(List.of(args));
    return start(node, cmd);
  }

  /** Run {@code cmd} in {@code node} to completion (bounded) and return its output. */
  public String run(Node node, String... cmd) throws IOException, InterruptedException {
    LabProcess p = start(node, List.of(cmd));
    if (!p.process.waitFor(30, TimeUnit.SECONDS)) {
      p.kill();
      throw new IOException("timed out: " + String.join(" ", cmd));
    }
    p.drainThread.join(2000);
    return String.join("\n", p.lines);
  }

  /** Kill every process this lab started, then delete its namespaces. */
  @Override
  public void close() {
    for (LabProcess p : processes) {
      p.kill();
    }
    down();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down: the hook itself is running
    }
  }

  private void down() {
    try {
      Process p = new ProcessBuilder(LAB_DIR.resolve("natlab.sh").toString(), "down", prefix)
          .redirectErrorStream(true).redirectOutput(new File("/dev/null")).start();
      p.waitFor(30, TimeUnit.SECONDS);
    } catch (IOException e) {
      System.err.println("natlab down " + prefix + " failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A process in the lab whose output lines are collected as they come. */
  public static final class LabProcess {
    final String name;
    final Process process;
    final List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
    private final BlockingQueue<String> fresh = new LinkedBlockingQueue<>();
    private final Thread drainThread;

    LabProcess(String name, Process process) {
      this.name = name;
      this.process = process;
      this.drainThread = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String l = r.readLine(); l != null; l = r.readLine()) {
            lines.add(l);
            fresh.add(l);
          }
        } catch (IOException e) {
          // the process ended
        }
      }, "natlab-out-" + name);
      drainThread.setDaemon(true);
      drainThread.start();
    }

    /** Wait for an output line starting with {@code start}; fail with the output on timeout. */
    public String await(String start, Duration timeout) throws InterruptedException {
      return await(l -> l.startsWith(start), timeout, start);
    }

    /** Wait for a line matching {@code p}; fail with everything printed so far on timeout. */
    public String await(Predicate<String> p, Duration timeout, String what) throws InterruptedException {
      long end = System.nanoTime() + timeout.toNanos();
      synchronized (lines) {
        for (String l : lines) {
          if (p.test(l)) {
            return l;
          }
        }
      }
      while (System.nanoTime() < end) {
        String l = fresh.poll(Math.max(1, (end - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
        if (l != null && p.test(l)) {
          return l;
        }
      }
      fail(name + ": no '" + what + "' within " + timeout + "; output:\n" + String.join("\n", lines));
      return null;
    }

    /** Return the value of {@code key=} in {@code line}. */
    public static String field(String line, String key) {
      for (String f : line.split(" ")) {
        if (f.startsWith(key + "=")) {
          return f.substring(key.length() + 1);
        }
      }
      throw new IllegalArgumentException("no " + key + " in " + line);
    }

    /** Kill it (and wait briefly). */
    public void kill() {
      process.descendants().forEach(ProcessHandle::destroy);
      process.destroy();
      try {
        if (!process.waitFor(2, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** Return every line printed so far. */
    public List<String> output() {
      synchronized (lines) {
        return new ArrayList<>(lines);
      }
    }
  }
}
