package dev.wormholes.nat.relay;

/**
 * Why a relay refused an open or closed a circuit: an open set of one-byte code points (unknown
 * codes from newer peers are kept, not rejected).
 *
 * @param code the wire code, 0..255
 */
public record RelayReason(int code) {
  /** The target is not registered with this relay. */
  public static final RelayReason UNKNOWN_TARGET = new RelayReason(1);
  /** The relay holds as many circuits as it allows in all. */
  public static final RelayReason OVER_CAPACITY = new RelayReason(2);
  /** The requester (its IP) or the target holds as many circuits as the relay allows one peer. */
  public static final RelayReason OVER_QUOTA = new RelayReason(3);
  /** The target did not accept the circuit in time. */
  public static final RelayReason TARGET_TIMEOUT = new RelayReason(4);
  /** This node does not serve as a relay now. */
  public static final RelayReason NOT_SERVING = new RelayReason(5);
  /** The target is the requester itself. */
  public static final RelayReason SELF = new RelayReason(6);
  /** The other end closed the circuit. */
  public static final RelayReason BY_PEER = new RelayReason(16);
  /** No traffic for the idle timeout. */
  public static final RelayReason IDLE = new RelayReason(17);
  /** The circuit is not known (any more) where the message arrived. */
  public static final RelayReason UNKNOWN_CIRCUIT = new RelayReason(18);
  /** The relay or the end is shutting down. */
  public static final RelayReason SHUTDOWN = new RelayReason(19);
  /** The end gave up waiting for an answer to its open. */
  public static final RelayReason NO_ANSWER = new RelayReason(20);

  /** Check the code fits one byte. */
  public RelayReason {
    if (code < 0 || code > 255) {
      throw new IllegalArgumentException("reason code outside 0..255: " + code);
    }
  }

  /** Return the reason of wire code {@code code} (masked to one byte). */
  public static RelayReason of(int code) {
    return new RelayReason(code & 0xFF);
  }

  /** Return a lower-case name for logs and errors ("code-N" for codes this version does not know). */
  public String name() {
    return switch (code) {
      case 1 -> "unknown-target";
      case 2 -> "over-capacity";
      case 3 -> "over-quota";
      case 4 -> "target-timeout";
      case 5 -> "not-serving";
      case 6 -> "self";
      case 16 -> "closed-by-peer";
      case 17 -> "idle";
      case 18 -> "unknown-circuit";
      case 19 -> "shutdown";
      case 20 -> "no-answer";
      default -> "code-" + code;
    };
  }

  @Override
  public String toString() {
    return name();
  }
}
