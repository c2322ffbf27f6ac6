package dev.wormholes.node.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A small mainline DHT of libtorrent sessions (Debian's {@code python3-libtorrent}; a BEP 5/44
 * implementation this project did not write), run by {@code src/test/resources/mainline/lt_dht.py}
 * inside the cluster's loopback-only namespace: N sessions on 127.0.1.1..N port 6881, meshed, with
 * no bootstrap nodes, UPnP, NAT-PMP or LSD. Commands go to its stdin, one answer line each.
 * Closed with the cluster (its namespace kills what is left).
 */
final class LibtorrentDht implements AutoCloseable {
  private static final String PYTHON = "/usr/bin/python3"; // Debian's: the package installs into its dist-packages

  private final Process process;
  private final Writer in;
  private final BlockingQueue<String> lines = new ArrayBlockingQueue<>(64);
  private final List<String> routers;

  private LibtorrentDht(Process process, List<String> routers) {
    this.process = process;
    this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.routers = routers;
  }

  /** Start {@code n} sessions in {@code c}'s namespace; skip (or, with CI=true, fail) without libtorrent. */
  static LibtorrentDht start(Cluster c, int n) throws IOException, InterruptedException {
    requireLibtorrent();
    Process p = new ProcessBuilder(c.inNamespace(PYTHON, script().toString(), Integer.toString(n)))
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    BlockingQueue<String> first = new ArrayBlockingQueue<>(1);
    Thread reader = new Thread(() -> {
      try {
        String ready = out.readLine();
        first.add(ready == null ? "EOF" : ready);
      } catch (IOException e) {
        first.add("EOF");
      }
    });
    reader.setDaemon(true);
    reader.start();
    String ready = first.poll(60, TimeUnit.SECONDS);
    if (ready == null || !ready.startsWith("READY ")) {
      p.destroyForcibly();
      fail("libtorrent DHT did not start: " + ready);
    }
    LibtorrentDht d = new LibtorrentDht(p, List.of(ready.substring(6).split(",")));
    Thread pump = new Thread(() -> {
      try {
        for (String l; (l = out.readLine()) != null; ) {
          d.lines.put(l);
        }
      } catch (IOException | InterruptedException e) {
        // the process ended
      }
    }, "lt_dht output");
    pump.setDaemon(true);
    pump.start();
    return d;
  }

  private static Path script() {
    try {
      return Path.of(LibtorrentDht.class.getResource("/mainline/lt_dht.py").toURI());
    } catch (URISyntaxException e) {
      throw new AssertionError(e);
    }
  }

  private static void requireLibtorrent() throws IOException, InterruptedException {
    Process p = new ProcessBuilder(PYTHON, "-c", "import libtorrent").redirectErrorStream(true).start();
    boolean ok = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    if (!ok) {
      String msg = "MAINLINE TESTS NOT RUN: " + PYTHON + " cannot import libtorrent (apt-get install -y python3-libtorrent)";
      if ("true".equals(String.valueOf(System.getenv("CI")).toLowerCase(Locale.ROOT))) {
        fail(msg + " (CI=true: these tests must run)");
      }
      System.err.println("\n!!! " + msg + "\n");
      Assumptions.abort(msg);
    }
  }

  /** Return the sessions' addresses, {@code 127.0.1.i:6881}. */
  List<String> routers() {
    return routers;
  }

  /** Send {@code command} and return its answer line (within 40 s). */
  synchronized String command(String command) throws IOException, InterruptedException {
    in.write(command + "\n");
    in.flush();
    String answer = lines.poll(40, TimeUnit.SECONDS);
    if (answer == null) {
      fail("libtorrent DHT did not answer '" + command + "'");
    }
    return answer;
  }

  @Override
  public void close() {
    try {
      in.write("quit\n");
      in.flush();
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (IOException | InterruptedException e) {
      // killed below
    }
    process.destroyForcibly();
  }
}
