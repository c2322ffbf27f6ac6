package dev.wormholes.onion.cell;

/**
 * A channel-cell command code (tor-spec "Cell commands" numbering), an open set: unknown codes
 * decode and are kept, for the circuit engine to drop and count.
 *
 * @param code the command byte, 0..255
 */
public record CellCommand(int code) {
  /** Link padding; circuit id 0. */
  public static final CellCommand PADDING = new CellCommand(0);
  /** A relay cell. */
  public static final CellCommand RELAY = new CellCommand(3);
  /** Tear the circuit down; payload byte 0 is the reason. */
  public static final CellCommand DESTROY = new CellCommand(4);
  /** A relay cell that may carry an EXTEND (limited per circuit, like Tor's RELAY_EARLY). */
  public static final CellCommand RELAY_EARLY = new CellCommand(9);
  /** Create a circuit: HTYPE (2) | HLEN (2) | HDATA (the ntor-v3 onionskin). */
  public static final CellCommand CREATE2 = new CellCommand(10);
  /** Answer a CREATE2: HLEN (2) | HDATA (the ntor-v3 reply). */
  public static final CellCommand CREATED2 = new CellCommand(11);

  /** Check the range. */
  public CellCommand {
    if (code < 0 || code > 255) {
      throw new IllegalArgumentException("a command is one byte");
    }
  }

  /** Return whether cells with this command belong to a circuit (need a non-zero circuit id). */
  public boolean onCircuit() {
    return code != PADDING.code;
  }
}
