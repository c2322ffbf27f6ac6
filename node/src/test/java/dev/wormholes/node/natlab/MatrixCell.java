package dev.wormholes.node.natlab;

/**
 * One cell of the matrix: node A (in host {@code a}) pings and then streams to node B (in host
 * {@code b}); the path A ends up with must be {@code expected}.
 *
 * @param pair what the cell is, as the table shows it (e.g. "port-restricted -> symmetric")
 * @param a the lab host of the node that dials
 * @param b the lab host of the node dialled
 * @param expected the path type the daemon is designed to end up with: lan, direct, mapped,
 *     punched or relayed
 * @param web whether A also fetches a file from B's web server through its SOCKS port
 */
record MatrixCell(String pair, String a, String b, String expected, boolean web) {
  static final String LAN = "lan";
  static final String DIRECT = "direct";
  static final String MAPPED = "mapped";
  static final String PUNCHED = "punched";
  static final String RELAYED = "relayed";

  static MatrixCell of(String pair, String a, String b, String expected) {
    return new MatrixCell(pair, a + "-h1", b + "-h1", expected, false);
  }

  /** The same cell, with the SOCKS web fetch. */
  MatrixCell withWeb() {
    return new MatrixCell(pair, a, b, expected, true);
  }

  /** The same cell between two hosts given by their full names (e.g. "lan-h1"). */
  static MatrixCell hosts(String pair, String a, String b, String expected) {
    return new MatrixCell(pair, a, b, expected, false);
  }
}
