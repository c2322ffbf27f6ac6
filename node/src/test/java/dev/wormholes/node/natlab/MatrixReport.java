package dev.wormholes.node.natlab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** The matrix as a Markdown table: printed at the end of the run and written to a file. */
final class MatrixReport {
  private MatrixReport() {}

  /** Render the results (cells not run yet are left out) plus the notes lines. */
  static String render(List<CellResult> results, List<String> nodeRows, List<String> notes, long totalMs) {
    StringBuilder b = new StringBuilder();
    b.append("# wormholed NAT lab matrix (").append(Instant.now()).append(")\n\n");
    b.append("Real `wormholed` processes behind real kernel NATs (nat/lab/natlab.sh); A runs `wormholes ping B"
        + " --json --count 3`, then echoes random bytes through `wormholes connect B echo` (SHA-256 equal).\n\n");
    b.append("| pair (A -> B) | A, B | expected | path | time to path | lookup | RTT median | relayed RTT | echo"
        + " | after data | result |\n");
    b.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (CellResult r : results) {
      b.append("| ").append(r.cell.pair())
          .append(" | ").append(r.cell.a()).append(", ").append(r.cell.b())
          .append(" | ").append(r.cell.expected())
          .append(" | ").append(r.path).append(r.address.equals("-") ? "" : " " + r.address)
          .append(r.reused ? " (reused)" : "")
          .append(" | ").append(r.timeToPathMs < 0 ? "-" : r.timeToPathMs + " ms")
          .append(" | ").append(r.lookupMs < 0 ? "-" : r.lookupMs + " ms")
          .append(" | ").append(r.rttMedianMs < 0 ? "-" : String.format(Locale.ROOT, "%.2f ms", r.rttMedianMs))
          .append(" | ").append(relayed(r))
          .append(" | ").append(echo(r))
          .append(" | ").append(r.pathAfter)
          .append(" | ").append(r.passed() ? "PASS" : "FAIL: " + String.join("; ", r.failures).replace('|', '/'))
          .append(" |\n");
    }
    long passed = results.stream().filter(CellResult::passed).count();
    b.append("\nTime to path: from the ping's start (presence lookup included) to the authenticated QUIC"
        + " connection. Lookup: A's presence lookup of B timed again after the cell (curl included). RTT: median of 3"
        + " pings over that path; relayed RTT: `ping --relay` (punched cells only).\n");
    b.append("\n").append(passed).append(" of ").append(results.size()).append(" cells passed; whole run ")
        .append(totalMs / 1000).append(" s.\n");
    if (!nodeRows.isEmpty()) {
      b.append("\nEach daemon's `status` at the end; registered / record complete: seconds after the daemons were"
          + " started (a complete record, as a seed finds it, has the mapping classified and a way in: the node's own"
          + " address, MAPPED, or OBSERVED behind non-symmetric NATs).\n");
      b.append("\n| node | NAT | status nat (mapping / filtering) | rendezvous | registered | record complete |\n"
          + "|---|---|---|---|---|---|\n");
      nodeRows.forEach(row -> b.append(row).append('\n'));
    }
    if (!notes.isEmpty()) {
      b.append("\nNotes:\n");
      notes.forEach(n -> b.append("- ").append(n).append('\n'));
    }
    return b.toString();
  }

  private static String relayed(CellResult r) {
    if (r.relayedRttMs == -2) {
      return "failed";
    }
    return r.relayedRttMs < 0 ? "-" : String.format(Locale.ROOT, "%.2f ms", r.relayedRttMs);
  }

  private static String echo(CellResult r) {
    String s = r.echoBytes < 0 ? "-" : (r.echoBytes >> 10) + " KiB ok in " + r.echoMs + " ms";
    if (r.cell.web()) {
      s += r.webBytes < 0 ? "; web -" : "; web " + (r.webBytes >> 10) + " KiB ok";
    }
    return s;
  }

  /** Write {@code text} to {@code file} (creating its directory). */
  static void write(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      System.err.println("[natlab] cannot write " + file + ": " + e);
    }
  }
}
