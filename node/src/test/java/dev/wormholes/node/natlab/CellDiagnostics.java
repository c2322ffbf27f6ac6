package dev.wormholes.node.natlab;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a cell keeps for whoever reads a failure: B's presence record as A finds it and A's paths,
 * a snapshot of both namespaces while a transfer hangs, the NAT routers' conntrack entries. All of
 * it goes to files in the logs directory named {@code A-to-B-...}.
 */
final class CellDiagnostics {
  /** When a transfer still running is looked at as stalled. */
  static final long STALL_CHECK_S = 10;

  private final Path logs;

  CellDiagnostics(Path logs) {
    this.logs = logs;
  }

  /**
   * Keep B's presence record as A finds it and A's paths, for reading a failed cell; time that
   * lookup (a fresh DHT query, curl included) to show how much of the time to path it is.
   */
  void lookupAndPaths(LabDaemon a, LabDaemon b, CellResult r) {
    String stem = a.name() + "-to-" + b.name();
    long t0 = System.nanoTime();
    Optional<JsonObject> rec = a.api("/v1/lookup/" + b.id());
    if (rec.isPresent()) {
      r.lookupMs = (System.nanoTime() - t0) / 1_000_000;
      MatrixReport.write(logs.resolve(stem + "-lookup.json"), rec.get() + "\n");
    }
    a.api("/v1/paths").ifPresent(j -> MatrixReport.write(logs.resolve(stem + "-paths.json"), j + "\n"));
  }

  /**
   * Run {@code transfer}; should it still run after {@value #STALL_CHECK_S} s (a 1 MiB transfer
   * takes ~1.5 s here), snapshot while it hangs: bytes arrived so far (twice, 2 s apart), both
   * daemons' paths, UDP sockets and counters of both namespaces, the NAT routers' conntrack
   * entries. Written to {@code natlab-logs/A-to-B-WHAT-stall.txt}.
   */
  LabExec.Result watched(LabDaemon a, LabDaemon b, String what, Path progress,
      java.util.function.Supplier<LabExec.Result> transfer) {
    java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
        task -> {
          Thread t = new Thread(task, "natlab-stall-watch");
          t.setDaemon(true);
          return t;
        });
    timer.schedule(() -> snapshotStall(a, b, what, progress), STALL_CHECK_S, java.util.concurrent.TimeUnit.SECONDS);
    try {
      return transfer.get();
    } finally {
      timer.shutdownNow();
    }
  }

  private void snapshotStall(LabDaemon a, LabDaemon b, String what, Path progress) {
    StringBuilder out = new StringBuilder("stalled " + what + " " + a.name() + " -> " + b.name() + "\n");
    try {
      long first = Files.exists(progress) ? Files.size(progress) : -1;
      Thread.sleep(2000); // real I/O: is anything still arriving?
      out.append("bytes arrived at ").append(STALL_CHECK_S).append(" s: ").append(first).append(", 2 s later: ")
          .append(Files.exists(progress) ? Files.size(progress) : -1).append('\n');
    } catch (IOException e) {
      out.append(e).append('\n');
    } catch (InterruptedException e) {
      return; // the transfer ended meanwhile
    }
    for (LabDaemon d : List.of(a, b)) {
      out.append("== ").append(d.name()).append(" paths: ").append(d.api("/v1/paths").map(Object::toString).orElse("-"))
          .append('\n');
      LabExec.Result ss = LabExec.run(20, "ip", "netns", "exec", d.host().ns(), "ss", "-uanmi");
      out.append("== ").append(d.name()).append(" ss -uanmi:\n").append(ss.out());
      LabExec.Result snmp = LabExec.run(20, "ip", "netns", "exec", d.host().ns(), "cat", "/proc/net/snmp");
      snmp.out().lines().filter(l -> l.startsWith("Udp:")).forEach(l -> out.append(l).append('\n'));
    }
    out.append(conntrack(a, b));
    MatrixReport.write(logs.resolve(a.name() + "-to-" + b.name() + "-" + what + "-stall.txt"), out.toString());
  }

  /** Keep the UDP conntrack tables of A's and B's NAT routers (a failed cell's kernel view). */
  void saveConntrack(LabDaemon a, LabDaemon b) {
    MatrixReport.write(logs.resolve(a.name() + "-to-" + b.name() + "-conntrack.txt"), conntrack(a, b));
  }

  private static String conntrack(LabDaemon a, LabDaemon b) {
    StringBuilder out = new StringBuilder();
    for (LabDaemon d : List.of(a, b)) {
      String site = d.host().ns().replaceAll("-h\\d+$", "");
      for (String router : List.of(site + "-gw", site + "-cg")) {
        LabExec.Result r = LabExec.run(20, "ip", "netns", "exec", router, "cat", "/proc/net/nf_conntrack");
        if (r.ok()) {
          out.append("== ").append(router).append('\n');
          r.out().lines().filter(l -> l.contains(" udp ")).forEach(l -> out.append(l).append('\n'));
        }
      }
    }
    return out.toString();
  }
}
