package dev.wormholes.node.natlab;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * One NAT lab built by {@code nat/lab/natlab.sh} (real kernel NATs in network namespaces, TEST-NET
 * and private addresses only) under a prefix of its own, torn down by {@link #close()} or, should
 * the JVM be stopped first, by a shutdown hook.
 *
 * <p>Prefixes are {@code wl<pid>x<n>}, the same form as nat's {@code NatLab} fixture: either
 * fixture reaps the labs of a JVM that died before its teardown ran (its pid no longer exists),
 * and waits (bounded) while a lab of another live JVM exists, so two lab runs never overlap.
 */
final class LabNet implements AutoCloseable {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final Pattern PREFIX = Pattern.compile("(?m)^(wl(\\d+)x\\d+)-");
  /** How long to wait for another JVM's lab run to end before building ours anyway. */
  private static final long WAIT_FOR_OTHERS_MS = 6 * 60_000;

  /**
   * One host of the lab, as natlab.sh printed it.
   *
   * @param name node name ({@code SITE-hN}, or rv1/rv2)
   * @param ns its network namespace
   * @param ip its address
   * @param gateway its default gateway on the LAN (empty for public hosts)
   * @param type its site's NAT type (public, full, addr, port, sym, cgnat, upnp)
   */
  record Host(String name, String ns, String ip, String gateway, String type) {}

  private final Path script;
  private final String prefix;
  private final Map<String, Host> hosts = new LinkedHashMap<>();
  private final Thread hook;
  private boolean closed;

  private LabNet(Path script, String prefix) {
    this.script = script;
    this.prefix = prefix;
    this.hook = new Thread(this::down, "natlab-down-" + prefix);
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /**
   * Skip the calling test loudly when this machine cannot run the lab (not root, no {@code ip
   * netns}, nft, python3 or curl); fail instead under {@code CI=true}, where it must run.
   */
  static void requireLab() {
    String why = null;
    if (!"root".equals(System.getProperty("user.name"))) {
      why = "not root";
    } else {
      for (String[] probe : List.of(new String[] {"ip", "netns", "list"}, new String[] {"nft", "--version"},
          new String[] {"python3", "--version"}, new String[] {"curl", "--version"},
          new String[] {"miniupnpd", "--version"}, new String[] {"turnserver", "--version"})) {
        if (!works(probe)) {
          why = "'" + String.join(" ", probe) + "' does not work";
          break;
        }
      }
    }
    if (why == null) {
      return;
    }
    String msg = "WORMHOLED NAT LAB NOT RUN: " + why + ". It needs root, iproute2, nftables, miniupnpd, coturn,"
        + " python3 and curl (.ci/run installs them)";
    if ("true".equals(String.valueOf(System.getenv("CI")).toLowerCase(Locale.ROOT))) {
      fail(msg + " (CI=true: this test must run)");
    }
    System.err.println("\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
    System.err.println("!!! " + msg);
    System.err.println("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n");
    Assumptions.abort(msg);
  }

  private static boolean works(String... cmd) {
    try {
      // miniupnpd --version prints its version and exits 0; the others likewise.
      return LabExec.run(10, cmd).ok();
    } catch (AssertionError e) {
      return false;
    }
  }

  /** Build a lab with {@code specs} ({@code SITE=TYPE[+2]}, see natlab.sh) from {@code repo}'s nat/lab. */
  static LabNet up(Path repo, List<String> specs) {
    Path script = repo.resolve("nat/lab/natlab.sh");
    if (!Files.isExecutable(script)) {
      fail("no executable " + script);
    }
    reapDead(script);
    waitForOtherLabs();
    LabNet lab = new LabNet(script, "wl" + ProcessHandle.current().pid() + "x" + COUNTER.incrementAndGet());
    List<String> cmd = new ArrayList<>(List.of(script.toString(), "up", lab.prefix));
    cmd.addAll(specs);
    LabExec.Result r = LabExec.run(cmd, Map.of(), 120);
    if (!r.ok()) {
      lab.close();
      fail("natlab.sh up failed: " + r.describe());
    }
    for (String line : r.out().split("\n")) {
      Map<String, String> kv = new LinkedHashMap<>();
      for (String f : line.trim().split(" ")) {
        int eq = f.indexOf('=');
        if (eq > 0) {
          kv.put(f.substring(0, eq), f.substring(eq + 1));
        }
      }
      if (kv.containsKey("node")) {
        lab.hosts.put(kv.get("node"), new Host(kv.get("node"), kv.get("ns"), kv.get("ip"),
            kv.getOrDefault("gw", ""), kv.get("type")));
      }
    }
    System.out.printf("[natlab] lab %s up in %d ms: %d hosts%n", lab.prefix, r.millis(), lab.hosts.size());
    return lab;
  }

  /** Return the host called {@code name} (e.g. "port1-h1", "rv1"). */
  Host host(String name) {
    Host h = hosts.get(name);
    if (h == null) {
      throw new IllegalArgumentException("no host " + name + " in " + hosts.keySet());
    }
    return h;
  }

  /** Return the lab's state directory (miniupnpd and coturn logs). */
  Path stateDir() {
    return Path.of("/tmp/natlab-" + prefix);
  }

  /** Return the 1-based index of {@code site} in the spec list (natlab.sh names files by it). */
  static int siteIndex(List<String> specs, String site) {
    for (int i = 0; i < specs.size(); i++) {
      if (specs.get(i).startsWith(site + "=")) {
        return i + 1;
      }
    }
    throw new IllegalArgumentException("no site " + site + " in " + specs);
  }

  /** Kill whatever runs in the lab's namespaces and delete them (natlab.sh down). */
  @Override
  public synchronized void close() {
    down();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook is running or ran
    }
  }

  private synchronized void down() {
    if (closed) {
      return;
    }
    closed = true;
    LabExec.Result r = LabExec.run(List.of(script.toString(), "down", prefix), Map.of(), 60);
    if (!r.ok()) {
      System.err.println("[natlab] teardown of " + prefix + " failed: " + r.describe());
    }
  }

  /** Prefixes of lab namespaces that exist now, with the pid of the JVM that made them. */
  private static Map<String, Long> existingLabs() {
    String out = LabExec.run(20, "ip", "netns", "list").out();
    Map<String, Long> labs = new LinkedHashMap<>();
    Matcher m = PREFIX.matcher(out);
    while (m.find()) {
      labs.put(m.group(1), Long.parseLong(m.group(2)));
    }
    return labs;
  }

  /** Tear down labs whose JVM no longer exists (killed before its teardown ran). */
  private static void reapDead(Path script) {
    Set<String> dead = new TreeSet<>();
    existingLabs().forEach((prefix, pid) -> {
      if (ProcessHandle.of(pid).isEmpty()) {
        dead.add(prefix);
      }
    });
    for (String prefix : dead) {
      System.out.println("[natlab] reaping the stale lab " + prefix + " (its JVM is gone)");
      LabExec.run(List.of(script.toString(), "down", prefix), Map.of(), 60);
    }
  }

  /** Wait (bounded) while another live JVM runs a lab: two lab runs on 2 cores distort each other. */
  private static void waitForOtherLabs() {
    long me = ProcessHandle.current().pid();
    long end = System.currentTimeMillis() + WAIT_FOR_OTHERS_MS;
    boolean told = false;
    while (true) {
      Set<String> others = new TreeSet<>();
      existingLabs().forEach((prefix, pid) -> {
        if (pid != me && ProcessHandle.of(pid).isPresent()) {
          others.add(prefix);
        }
      });
      if (others.isEmpty()) {
        return;
      }
      if (System.currentTimeMillis() > end) {
        System.out.println("[natlab] other labs still running after " + WAIT_FOR_OTHERS_MS / 1000
            + " s, building ours anyway: " + others);
        return;
      }
      if (!told) {
        System.out.println("[natlab] waiting for other lab runs to end: " + others);
        told = true;
      }
      try {
        Thread.sleep(2000); // real processes of another JVM: nothing to await but time
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
