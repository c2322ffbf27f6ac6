package dev.wormholes.node.natlab;

import java.util.ArrayList;
import java.util.List;

/**
 * What one cell measured (mutable while the cell runs, so a failing cell still fills the table
 * with what it got).
 */
final class CellResult {
  final MatrixCell cell;
  /** The path {@code wormholes ping} reported ("-" until then). */
  String path = "-";
  /** The path a second ping reported after the data went through. */
  String pathAfter = "-";
  String address = "-";
  /** Whether the first ping said the path was already in use (it should be new). */
  boolean reused;
  long timeToPathMs = -1;
  double rttMedianMs = -1;
  /** Wall time of the whole {@code wormholes ping --count 3} run (JVM start included). */
  long pingWallMs = -1;
  /** How long A's lookup of B's presence record took after the cell (curl included), or -1. */
  long lookupMs = -1;
  /** Median RTT over a relay ({@code ping --relay}) for punched cells; -1 not measured, -2 failed. */
  double relayedRttMs = -1;
  /** Bytes echoed back intact (SHA-256 equal), or -1. */
  long echoBytes = -1;
  long echoMs = -1;
  /** Bytes fetched intact through A's SOCKS port (web cells), or -1. */
  long webBytes = -1;
  final List<String> failures = new ArrayList<>();

  CellResult(MatrixCell cell) {
    this.cell = cell;
  }

  boolean passed() {
    return failures.isEmpty();
  }

  void fail(String why) {
    failures.add(why);
  }
}
