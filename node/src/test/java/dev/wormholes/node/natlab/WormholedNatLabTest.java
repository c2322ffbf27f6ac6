package dev.wormholes.node.natlab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 4's lab matrix with real {@code wormholed} processes: one lab (nat/lab/natlab.sh) with a
 * site per NAT type (two of each where a type meets itself), a double NAT, a home router running
 * miniupnpd and a LAN with two hosts; two public seeds (rv1, rv2: the rendezvous and relay peers
 * everyone bootstraps from) and one daemon in every host, all started at once. Each cell then has
 * A run {@code wormholes ping B --json --count 3} and asserts the path type the daemon ends up
 * with, echoes random bytes through {@code wormholes connect B echo} (B exposes a python echo
 * server to A's node id only; the stream's TLS pins B's id) and checks the SHA-256 of what came
 * back, and pings once more to see the path did not change. One cell also fetches a file byte for
 * byte with {@code curl -x socks5h://wh:PASSWORD@127.0.0.1:PORT http://web.B.wh/} through A's SOCKS port.
 *
 * <p>The table (pair -> path, time to path, RTT) is printed at the end and written to
 * {@code node/target/natlab-matrix.md}; daemon logs go to {@code node/target/natlab-logs/}.
 * Without root or network namespaces the test is skipped loudly; with {@code CI=true} it fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag("exclusive") // runs alone (node/pom.xml): a whole NAT lab of daemons
class WormholedNatLabTest {

  /** The lab's sites (natlab.sh specs); site i's LAN is 10.i.0.0/24. */
  static final List<String> SITES = List.of("pub1=public", "pub2=public", "full1=full", "full2=full",
      "addr1=addr", "addr2=addr", "port1=port", "port2=port", "sym1=sym", "sym2=sym", "cg=cgnat", "upnp=upnp",
      "lan=port+2");

  /**
   * The cells: {public, full cone, address-restricted, port-restricted, symmetric} x the same
   * (each unordered pair once, the easier-to-reach side as target B where it matters; port-restricted
   * and symmetric both ways, since the birthday punch must work whichever side starts), then the
   * double NAT, miniupnpd and same-LAN cells. No pair of nodes appears twice, in either direction.
   */
  static final List<MatrixCell> CELLS = List.of(
      MatrixCell.of("public <-> public", "pub1", "pub2", MatrixCell.DIRECT),
      MatrixCell.of("full cone -> public", "full1", "pub1", MatrixCell.DIRECT),
      MatrixCell.of("address-restricted -> public", "addr1", "pub1", MatrixCell.DIRECT),
      MatrixCell.of("port-restricted -> public", "port1", "pub2", MatrixCell.DIRECT),
      MatrixCell.of("symmetric -> public", "sym1", "pub2", MatrixCell.DIRECT),
      MatrixCell.of("full cone <-> full cone", "full1", "full2", MatrixCell.DIRECT),
      MatrixCell.of("address-restricted -> full cone", "addr1", "full1", MatrixCell.DIRECT),
      MatrixCell.of("port-restricted -> full cone", "port1", "full2", MatrixCell.DIRECT),
      MatrixCell.of("symmetric -> full cone", "sym2", "full1", MatrixCell.DIRECT),
      MatrixCell.of("address-restricted <-> address-restricted", "addr1", "addr2", MatrixCell.PUNCHED),
      MatrixCell.of("port-restricted -> address-restricted", "port1", "addr2", MatrixCell.PUNCHED),
      MatrixCell.of("port-restricted <-> port-restricted", "port1", "port2", MatrixCell.PUNCHED).withWeb(),
      MatrixCell.of("symmetric -> address-restricted", "sym1", "addr1", MatrixCell.PUNCHED),
      MatrixCell.of("port-restricted -> symmetric", "port2", "sym1", MatrixCell.PUNCHED),
      MatrixCell.of("symmetric -> port-restricted", "sym2", "port1", MatrixCell.PUNCHED),
      MatrixCell.of("symmetric <-> symmetric", "sym1", "sym2", MatrixCell.RELAYED),
      MatrixCell.of("double NAT (CGNAT + home) -> port-restricted", "cg", "port2", MatrixCell.PUNCHED),
      MatrixCell.of("symmetric -> miniupnpd home router", "sym2", "upnp", MatrixCell.MAPPED),
      MatrixCell.hosts("same LAN, one port-restricted NAT", "lan-h1", "lan-h2", MatrixCell.LAN));

  private static final Duration READY_WITHIN = Duration.ofSeconds(180);
  private static final Duration REGISTERED_WITHIN = Duration.ofSeconds(90);
  /** Cells that start after this much of the run fail at once instead (CI budget). */
  private static final Duration MATRIX_BUDGET = Duration.ofMinutes(11);
  private static final long PING_TIMEOUT_S = 60;
  private static final long CONNECT_TIMEOUT_S = 60;
  private static final int ECHO_BYTES = 1 << 20;
  private static final int WEB_BYTES = 4 << 20;
  private static final int ECHO_PORT = 7000;
  private static final int WEB_PORT = 8000;

  private final long started = System.nanoTime();
  private final Map<String, LabDaemon> daemons = new LinkedHashMap<>();
  private final List<CellResult> results = new ArrayList<>();
  private final List<String> nodeRows = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private Path repo;
  private Path dir;
  private Path logs;
  private CellDiagnostics diagnostics;
  private LabNet lab;
  private boolean hasPing;
  private boolean statusHasNat;
  private String classpath;
  private long daemonsStartedMs;
  /** Seconds after the daemons' start when each was first registered / had a complete record. */
  private final Map<String, Long> registeredAt = new LinkedHashMap<>();
  private final Map<String, Long> completeAt = new LinkedHashMap<>();

  @BeforeAll
  void up() throws Exception {
    preload();
    LabNet.requireLab();
    repo = findRepo();
    logs = repo.resolve("node/target/natlab-logs");
    deleteTree(logs);
    Files.createDirectories(logs);
    diagnostics = new CellDiagnostics(logs);
    dir = Files.createTempDirectory("wh-natlab-");
    classpath = ClasspathSnapshot.of(System.getProperty("java.class.path"), dir.resolve("cp"));
    lab = LabNet.up(repo, SITES);
    LabDaemon rv1 = daemon("rv1");
    hasPing = rv1.cli(60, "--help").out().lines().anyMatch(l -> l.strip().startsWith("ping "));
    boolean noPortMapping = helpOf(rv1).contains("--no-port-mapping");
    if (!hasPing) {
      notes.add("this build's `wormholes` has no `ping` command: no cell can show its path type");
    }
    if (!noPortMapping) {
      notes.add("this build's `wormholed` has no --no-port-mapping option: started without it");
    }
    startAll(noPortMapping);
    exposeServices();
    awaitRegistration();
    if (statusHasNat) {
      awaitRecords();
    }
    System.out.printf("[natlab] setup done in %d s%n", elapsedMs() / 1000);
  }

  @TestFactory
  @Order(1)
  Stream<DynamicTest> matrix() {
    return selected().stream().map(c -> DynamicTest.dynamicTest(c.pair() + " (" + c.a() + " -> " + c.b() + ")",
        () -> runCell(c)));
  }

  /** What each daemon's {@code wormholes status} says about its NAT matches the NAT it is behind. */
  @Test
  @Order(2)
  void statusNamesEachNatType() {
    List<String> wrong = new ArrayList<>();
    for (LabDaemon d : daemons.values()) {
      Optional<JsonObject> status = d.api("/v1/status");
      status.ifPresent(s -> MatrixReport.write(logs.resolve(d.name() + "-status.json"), s + "\n"));
      JsonObject nat = status.filter(s -> s.has("nat") && s.get("nat").isJsonObject())
          .map(s -> s.getAsJsonObject("nat")).orElse(null);
      String got = nat == null ? "(none)" : str(nat, "mapping") + " / " + str(nat, "filtering");
      nodeRows.add("| " + d.name() + " | " + d.host().type() + " | " + got + " | " + rendezvous(nat) + " | "
          + seconds(registeredAt.get(d.name())) + " | " + seconds(completeAt.get(d.name())) + " |");
      String want = expectedNat(d.host().type());
      if (!got.equals(want) && !(d.host().type().equals("public") && got.equals("none / endpoint-independent"))) {
        wrong.add(d.name() + " (" + d.host().type() + "): " + got + ", expected " + want);
      }
    }
    assertTrue(wrong.isEmpty(), "status nat mapping / filtering wrong for: " + wrong);
  }

  @AfterAll
  void down() {
    try {
      if (nodeRows.isEmpty() && !daemons.isEmpty()) {
        daemons.values().forEach(d -> nodeRows.add("| " + d.name() + " | " + d.host().type() + " | (not checked) | - | "
            + seconds(registeredAt.get(d.name())) + " | " + seconds(completeAt.get(d.name())) + " |"));
      }
      String table = MatrixReport.render(results, nodeRows, notes, elapsedMs());
      System.out.println("\n" + table);
      if (repo != null) {
        MatrixReport.write(repo.resolve("node/target/natlab-matrix.md"), table);
        System.out.println("[natlab] table written to node/target/natlab-matrix.md, daemon logs in node/target/natlab-logs/");
      }
    } finally {
      daemons.values().parallelStream().forEach(LabDaemon::stop);
      if (lab != null) {
        lab.close();
      }
      if (dir != null) {
        deleteTree(dir);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Setup

  private LabDaemon daemon(String host) {
    return daemons.computeIfAbsent(host, h -> new LabDaemon(lab.host(h), dir.resolve("data-" + h),
        logs.resolve(h + ".log"), repo, Map.of(
            "WORMHOLES_CLASSPATH", classpath,
            // Sixteen daemons on two cores: small heaps, the quick JIT tier only.
            "WORMHOLES_JAVA_OPTS", "-Xmx192m -XX:+UseSerialGC -XX:TieredStopAtLevel=1")));
  }

  private static String helpOf(LabDaemon d) {
    LabExec.Result r = d.launcher("wormholed", 60, List.of("--help"));
    return r.out() + r.err();
  }

  /** Start both seeds and a daemon in every host at once; the miniupnpd host once its router is up. */
  private void startAll(boolean noPortMapping) {
    List<String> off = noPortMapping ? List.of("--no-port-mapping") : List.of();
    LabDaemon rv1 = daemon("rv1");
    LabDaemon rv2 = daemon("rv2");
    daemonsStartedMs = elapsedMs();
    rv1.start(concat(List.of("--bootstrap", rv2.address()), off));
    rv2.start(concat(List.of("--bootstrap", rv1.address()), off));
    List<String> seeds = List.of("--bootstrap", rv1.address(), "--bootstrap", rv2.address());
    Set<String> hosts = new LinkedHashSet<>();
    selected().forEach(c -> {
      hosts.add(c.a());
      hosts.add(c.b());
    });
    String upnpHost = null;
    for (String h : hosts) {
      if (lab.host(h).type().equals("upnp")) {
        upnpHost = h;
      } else {
        daemon(h).start(concat(seeds, off));
      }
    }
    if (upnpHost != null) {
      awaitMiniupnpd(LabNet.siteIndex(SITES, "upnp"));
      daemon(upnpHost).start(seeds); // port mapping on: its gateway is the lab's miniupnpd
    }
    try {
      await("all wormholed ready").atMost(READY_WITHIN).pollInterval(Duration.ofMillis(250))
          .until(() -> daemons.values().stream().allMatch(LabDaemon::ready));
    } catch (ConditionTimeoutException e) {
      fail("not every wormholed printed its ready line within " + READY_WITHIN.toSeconds() + " s: "
          + daemons.values().stream().filter(d -> !d.ready()).map(LabDaemon::name).toList());
    }
    System.out.printf("[natlab] %d daemons ready after %d s%n", daemons.size(), elapsedMs() / 1000);
  }

  private void awaitMiniupnpd(int siteIndex) {
    Path log = lab.stateDir().resolve("miniupnpd-" + siteIndex + ".log");
    try {
      await("miniupnpd port forwarding").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
          .until(() -> Files.exists(log) && Files.readString(log).contains("Port forwarding is now enabled"));
    } catch (ConditionTimeoutException e) {
      fail("miniupnpd never enabled port forwarding; its log:\n" + readQuietly(log));
    }
  }

  /**
   * Start a python echo server in every target B and expose it as {@code echo} to the node ids
   * that dial it; serve a random file as {@code web} where a cell fetches one.
   */
  private void exposeServices() throws IOException {
    Map<String, List<String>> dialers = new LinkedHashMap<>();
    for (MatrixCell c : selected()) {
      dialers.computeIfAbsent(c.b(), k -> new ArrayList<>()).add(daemons.get(c.a()).id());
    }
    String echo = "import socket,sys,threading\n"
        + "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
        + "s.bind(('127.0.0.1',int(sys.argv[1]))); s.listen(16)\n"
        + "def h(c):\n"
        + "  with c:\n"
        + "    while True:\n"
        + "      d=c.recv(65536)\n"
        + "      if not d: break\n"
        + "      c.sendall(d)\n"
        + "    c.shutdown(socket.SHUT_WR)\n"
        + "while True:\n"
        + "  c,_=s.accept(); threading.Thread(target=h,args=(c,),daemon=True).start()\n";
    Path script = dir.resolve("echo.py");
    Files.writeString(script, echo);
    for (Map.Entry<String, List<String>> e : dialers.entrySet()) {
      LabDaemon b = daemons.get(e.getKey());
      background(b, "echo", "python3", script.toString(), String.valueOf(ECHO_PORT));
      expose(b, "echo", ECHO_PORT, e.getValue());
    }
    for (MatrixCell c : selected()) {
      if (c.web()) {
        LabDaemon b = daemons.get(c.b());
        Path www = Files.createDirectories(dir.resolve("www"));
        byte[] file = new byte[WEB_BYTES];
        new SplittableRandom(4747).nextBytes(file);
        Files.write(www.resolve("f.bin"), file);
        background(b, "web", "python3", "-m", "http.server", String.valueOf(WEB_PORT), "--bind", "127.0.0.1",
            "--directory", www.toString());
        expose(b, "web", WEB_PORT, List.of(daemons.get(c.a()).id()));
      }
    }
  }

  private void background(LabDaemon d, String what, String... cmd) throws IOException {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", d.host().ns()));
    full.addAll(List.of(cmd));
    // It lives in the lab's namespace: natlab.sh down kills it with everything else there.
    new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(logs.resolve(d.name() + "-" + what + ".log").toFile())
        .start();
  }

  private static void expose(LabDaemon b, String service, int port, List<String> allow) {
    JsonObject body = new JsonObject();
    body.addProperty("service", service);
    body.addProperty("target", "127.0.0.1:" + port);
    JsonArray a = new JsonArray();
    allow.forEach(a::add);
    body.add("allow", a);
    if (b.post("/v1/expose", body).isEmpty()) {
      fail("cannot expose " + service + " on " + b);
    }
  }

  /**
   * Wait (bounded) until every public daemon says its mapping is {@code none} and every other one
   * names at least one rendezvous peer; go on without the laggards (their cells will say why).
   */
  private void awaitRegistration() {
    statusHasNat = daemons.values().stream().map(d -> d.api("/v1/status"))
        .anyMatch(s -> s.isPresent() && s.get().has("nat"));
    if (!statusHasNat) {
      notes.add("this build's /v1/status has no \"nat\" object: registration with rendezvous peers not awaited");
      return;
    }
    try {
      await("registered").atMost(REGISTERED_WITHIN).pollInterval(Duration.ofSeconds(1))
          .until(() -> allMark(registeredAt, this::registered));
      System.out.printf("[natlab] every daemon registered after %d s%n", elapsedMs() / 1000);
    } catch (ConditionTimeoutException e) {
      List<String> late = daemons.values().stream().filter(d -> !registered(d)).map(LabDaemon::name).toList();
      notes.add("not registered within " + REGISTERED_WITHIN.toSeconds() + " s: " + late);
    }
  }

  /**
   * Wait (bounded, sharing the registration budget) until a seed finds each daemon's presence
   * record complete: the NAT's mapping classified, and a way in advertised (a public node's own
   * address, the miniupnpd node's MAPPED endpoint, an OBSERVED endpoint behind the other NATs but
   * symmetric ones). A cell run before that would measure the network's warm-up, not its paths.
   */
  private void awaitRecords() {
    LabDaemon seed = daemons.get("rv1");
    long t0 = elapsedMs();
    try {
      await("presence records complete").atMost(REGISTERED_WITHIN).pollInterval(Duration.ofSeconds(1))
          .until(() -> allMark(completeAt, d -> recordComplete(seed, d)));
      System.out.printf("[natlab] every presence record complete after %d s (%d s after registration)%n",
          elapsedMs() / 1000, (elapsedMs() - t0) / 1000);
    } catch (ConditionTimeoutException e) {
      List<String> late = daemons.values().stream().filter(d -> !recordComplete(seed, d))
          .map(d -> d.name() + " " + seed.api("/v1/lookup/" + d.id()).map(JsonObject::toString).orElse("(no record)"))
          .toList();
      notes.add("presence records incomplete after " + REGISTERED_WITHIN.toSeconds() + " s more: " + late);
    }
  }

  private static boolean recordComplete(LabDaemon seed, LabDaemon d) {
    if (d == seed) {
      return true;
    }
    Optional<JsonObject> rec = seed.api("/v1/lookup/" + d.id());
    if (rec.isEmpty() || !rec.get().has("endpoints") || !rec.get().has("nat")) {
      return false;
    }
    JsonObject nat = rec.get().getAsJsonObject("nat");
    if (!nat.has("mapping") || str(nat, "mapping").endsWith("UNKNOWN")) {
      return false;
    }
    Set<String> kinds = new LinkedHashSet<>();
    Set<String> addresses = new LinkedHashSet<>();
    for (JsonElement e : rec.get().getAsJsonArray("endpoints")) {
      kinds.add(str(e.getAsJsonObject(), "kind"));
      addresses.add(str(e.getAsJsonObject(), "address"));
    }
    return switch (d.host().type()) {
      case "public" -> addresses.contains(d.address());
      case "upnp" -> kinds.contains("MAPPED");
      case "sym" -> true;
      default -> kinds.contains("OBSERVED");
    };
  }

  /** Note when each daemon not yet in {@code at} first satisfies {@code p}; return whether all have. */
  private boolean allMark(Map<String, Long> at, java.util.function.Predicate<LabDaemon> p) {
    boolean all = true;
    for (LabDaemon d : daemons.values()) {
      if (!at.containsKey(d.name())) {
        if (p.test(d)) {
          at.put(d.name(), (elapsedMs() - daemonsStartedMs) / 1000);
        } else {
          all = false;
        }
      }
    }
    return all;
  }

  private boolean registered(LabDaemon d) {
    Optional<JsonObject> s = d.api("/v1/status");
    if (s.isEmpty() || !s.get().has("nat") || !s.get().get("nat").isJsonObject()) {
      return false;
    }
    JsonObject nat = s.get().getAsJsonObject("nat");
    if (d.host().type().equals("public")) {
      return "none".equals(str(nat, "mapping"));
    }
    return nat.has("rendezvous") && nat.get("rendezvous").isJsonArray() && nat.getAsJsonArray("rendezvous").size() > 0;
  }

  // ---------------------------------------------------------------------------------------------
  // One cell

  private void runCell(MatrixCell c) {
    CellResult r = new CellResult(c);
    results.add(r);
    LabDaemon a = daemons.get(c.a());
    LabDaemon b = daemons.get(c.b());
    try {
      if (elapsedMs() > MATRIX_BUDGET.toMillis()) {
        r.fail("not run: the matrix's time budget of " + MATRIX_BUDGET.toMinutes() + " min is spent");
      } else if (!a.alive() || !b.alive()) {
        r.fail("daemon died: " + (a.alive() ? "" : a.name() + " ") + (b.alive() ? "" : b.name()));
      } else {
        checkRegistered(a, r);
        checkRegistered(b, r);
        ping(a, b, r);
        echo(a, b, r);
        if (c.web()) {
          web(a, b, r);
        }
        pingAgain(a, b, r);
        relayedRtt(a, b, r);
      }
      diagnostics.lookupAndPaths(a, b, r);
      if (!r.passed()) {
        diagnostics.saveConntrack(a, b);
      }
    } catch (IOException | RuntimeException | AssertionError e) {
      r.fail(e.toString().lines().findFirst().orElse("?"));
    }
    System.out.printf("[natlab] %-50s path %-8s (expected %s) time_to_path %s ms (lookup %s ms), echo %s ms: %s"
        + "  [%d s]%n", c.pair(), r.path, c.expected(), r.timeToPathMs, r.lookupMs, r.echoMs, r.passed() ? "PASS" : "FAIL " + r.failures,
        elapsedMs() / 1000);
    if (!r.passed()) {
      fail(c.pair() + ": " + String.join("; ", r.failures) + "\n===== " + a + " log tail:\n" + a.logTail(25)
          + "\n===== " + b + " log tail:\n" + b.logTail(25));
    }
  }

  private void checkRegistered(LabDaemon d, CellResult r) {
    if (statusHasNat && !registered(d)) {
      r.fail(d.name() + (d.host().type().equals("public") ? " does not call itself public (status nat.mapping)"
          : " has no rendezvous peer (status nat.rendezvous)"));
    }
  }

  /** {@code wormholes ping B --json --count 3} from A: the path type, time to path and RTTs. */
  private void ping(LabDaemon a, LabDaemon b, CellResult r) {
    if (!hasPing) {
      r.fail("no `wormholes ping` in this build");
      return;
    }
    LabExec.Result p = a.cli(PING_TIMEOUT_S, "ping", b.id(), "--json", "--count", "3");
    r.pingWallMs = p.millis();
    if (!p.ok()) {
      r.path = "unreachable";
      r.fail("ping exited " + p.exit() + ": " + p.err().strip().lines().findFirst().orElse(""));
      return;
    }
    JsonObject j = JsonParser.parseString(p.out().strip()).getAsJsonObject();
    r.path = str(j, "path");
    r.address = str(j, "address");
    r.reused = j.has("reused") && j.get("reused").getAsBoolean();
    r.timeToPathMs = j.has("time_to_path_ms") ? j.get("time_to_path_ms").getAsLong() : -1;
    double[] rtt = rtts(j);
    r.rttMedianMs = median(rtt);
    if (!b.id().equals(str(j, "node"))) {
      r.fail("ping answered for node " + str(j, "node"));
    }
    if (rtt.length != 3) {
      r.fail(rtt.length + " RTTs for --count 3");
    }
    if (!r.cell.expected().equals(r.path)) {
      r.fail("path " + r.path + ", expected " + r.cell.expected());
    }
  }

  /** Random bytes through {@code wormholes connect B echo} and back: the SHA-256 must match. */
  private void echo(LabDaemon a, LabDaemon b, CellResult r) throws IOException {
    int idx = CELLS.indexOf(r.cell);
    byte[] data = new byte[ECHO_BYTES];
    new SplittableRandom(1000L + idx).nextBytes(data);
    Path in = dir.resolve("echo-" + idx + ".in");
    Path out = dir.resolve("echo-" + idx + ".out");
    Files.write(in, data);
    LabExec.Result e = diagnostics.watched(a, b, "echo", out,
        () -> a.shell(CONNECT_TIMEOUT_S, "$WH connect " + b.id() + " echo < " + in + " > " + out));
    r.echoMs = e.millis();
    byte[] got = Files.exists(out) ? Files.readAllBytes(out) : new byte[0];
    if (!e.ok()) {
      r.fail("connect exited " + e.exit() + " after " + got.length + " bytes: "
          + e.err().strip().lines().findFirst().orElse(""));
    } else if (!Arrays.equals(sha256(data), sha256(got))) {
      boolean prefix = got.length < data.length && Arrays.equals(data, 0, got.length, got, 0, got.length);
      r.fail("echo came back different: " + got.length + " of " + data.length + " bytes"
          + (prefix ? " (cut short, what came is intact)" : ", SHA-256 " + HexFormat.of().formatHex(sha256(got))
          .substring(0, 16)) + " yet `wormholes connect` exited 0");
    } else {
      r.echoBytes = data.length;
    }
  }

  /** {@code curl -x} A's {@code socks.url} {@code http://web.B.wh/}: the file byte for byte. */
  private void web(LabDaemon a, LabDaemon b, CellResult r) throws IOException {
    String socks = Files.readString(a.dataDir().resolve("socks.url")).trim();
    Path got = dir.resolve("web-got.bin");
    LabExec.Result w = diagnostics.watched(a, b, "web", got, () -> a.shell(90, "curl -sS --max-time 80 -x "
        + socks + " -o " + got + " http://web." + b.id() + ".wh/f.bin"));
    byte[] want = Files.readAllBytes(dir.resolve("www/f.bin"));
    if (!w.ok()) {
      r.fail("curl through SOCKS exited " + w.exit() + ": " + w.err().strip().lines().findFirst().orElse(""));
    } else if (!Arrays.equals(want, Files.readAllBytes(got))) {
      r.fail("curl through SOCKS got different bytes");
    } else {
      r.webBytes = want.length;
    }
  }

  /**
   * For a punched cell, the RTT over one of B's relays too ({@code wormholes ping --relay}): the
   * issue's yardstick is time to a punched path / relayed RTT. Shown, not asserted.
   */
  private void relayedRtt(LabDaemon a, LabDaemon b, CellResult r) {
    if (!hasPing || !MatrixCell.PUNCHED.equals(r.path)) {
      return;
    }
    LabExec.Result p = a.cli(PING_TIMEOUT_S, "ping", b.id(), "--relay", "--json", "--count", "3");
    if (p.ok()) {
      r.relayedRttMs = median(rtts(JsonParser.parseString(p.out().strip()).getAsJsonObject()));
    } else {
      r.relayedRttMs = -2;
    }
  }

  private static double[] rtts(JsonObject j) {
    if (!j.has("rtt_ms") || !j.get("rtt_ms").isJsonArray()) {
      return new double[0];
    }
    JsonArray arr = j.getAsJsonArray("rtt_ms");
    double[] rtt = new double[arr.size()];
    for (int i = 0; i < rtt.length; i++) {
      rtt[i] = arr.get(i).getAsDouble();
    }
    return rtt;
  }

  private static double median(double[] v) {
    if (v.length == 0) {
      return -1;
    }
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  /** One more ping after the data: the path the data went over is still the one in use. */
  private void pingAgain(LabDaemon a, LabDaemon b, CellResult r) {
    if (!hasPing || r.path.equals("unreachable")) {
      return;
    }
    LabExec.Result p = a.cli(PING_TIMEOUT_S, "ping", b.id(), "--json", "--count", "1");
    if (!p.ok()) {
      r.pathAfter = "unreachable";
      r.fail("second ping exited " + p.exit() + ": " + p.err().strip().lines().findFirst().orElse(""));
      return;
    }
    JsonObject j = JsonParser.parseString(p.out().strip()).getAsJsonObject();
    r.pathAfter = str(j, "path");
    if (!r.pathAfter.equals(r.path)) {
      r.fail("path changed from " + r.path + " to " + r.pathAfter + " after the data");
    } else if (!(j.has("reused") && j.get("reused").getAsBoolean())) {
      r.fail("the second ping found a new " + r.pathAfter + " path instead of the one in use");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /**
   * Load and initialise this package's classes now: someone's {@code ./mvnw} in the shared tree
   * may rebuild {@code node/target/test-classes} while the run goes on, and a class first needed
   * after that would be gone.
   */
  private static void preload() throws ClassNotFoundException {
    for (Class<?> c : List.of(LabNet.class, LabNet.Host.class, LabDaemon.class, LabExec.class, LabExec.Result.class,
        MatrixCell.class, CellResult.class, MatrixReport.class, ClasspathSnapshot.class, CellDiagnostics.class)) {
      Class.forName(c.getName(), true, c.getClassLoader());
    }
  }

  /**
   * The cells to run: all of them, or with {@code -Dnatlab.cells=a,b} those whose pair or host
   * names contain one of the comma-separated words (only their daemons are started).
   */
  static List<MatrixCell> selected() {
    String only = System.getProperty("natlab.cells", "").trim();
    if (only.isEmpty()) {
      return CELLS;
    }
    List<String> words = Arrays.stream(only.split(",")).map(String::trim).filter(w -> !w.isEmpty()).toList();
    return CELLS.stream().filter(c -> words.stream().anyMatch(w -> c.pair().contains(w) || c.a().contains(w)
        || c.b().contains(w))).toList();
  }

  private static String seconds(Long s) {
    return s == null ? "-" : s + " s";
  }

  /** The addresses of the rendezvous peers a status "nat" object names. */
  private String rendezvous(JsonObject nat) {
    if (nat == null || !nat.has("rendezvous") || !nat.get("rendezvous").isJsonArray()) {
      return "-";
    }
    List<String> out = new ArrayList<>();
    for (JsonElement e : nat.getAsJsonArray("rendezvous")) {
      String addr = e.isJsonObject() ? str(e.getAsJsonObject(), "address") : e.toString();
      String name = daemons.values().stream().filter(d -> d.address().equals(addr)).map(LabDaemon::name)
          .findFirst().orElse(addr);
      out.add(name);
    }
    return out.isEmpty() ? "none" : String.join(", ", out);
  }

  private static String expectedNat(String type) {
    return switch (type) {
      case "public" -> "none / none";
      case "full" -> "endpoint-independent / endpoint-independent";
      case "addr" -> "endpoint-independent / address-dependent";
      case "sym" -> "address-and-port-dependent / address-and-port-dependent";
      default -> "endpoint-independent / address-and-port-dependent"; // port, cgnat, upnp
    };
  }

  private static String str(JsonObject o, String key) {
    JsonElement e = o.get(key);
    return e == null || e.isJsonNull() ? "(none)" : e.isJsonPrimitive() ? e.getAsString() : e.toString();
  }

  private long elapsedMs() {
    return (System.nanoTime() - started) / 1_000_000;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static String readQuietly(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return "(" + e + ")";
    }
  }

  private static Path findRepo() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isExecutable(p.resolve("bin/wormholed")) && Files.isRegularFile(p.resolve("nat/lab/natlab.sh"))) {
        return p;
      }
    }
    throw new AssertionError("cannot find the repo (bin/wormholed, nat/lab/natlab.sh) above " + Path.of("").toAbsolutePath());
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("could not delete " + root + ": " + e);
    }
  }
}
