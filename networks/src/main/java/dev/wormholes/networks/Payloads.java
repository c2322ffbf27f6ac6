package dev.wormholes.networks;

/**
 * What an opened datagram of a network carries (its plaintext's first byte), and which of those a
 * key may still carry once replaced: under the current key everything; under a key in its overlap
 * window a roster fragment, a catch-up request or a catch-up challenge (a member that has not
 * yet adopted the new roster learns it; nothing else of a removed member's reaches the node: no
 * DHT packet, no QUIC packet, so no service, public ones such as {@code wh-ping} included); under
 * a retired key a catch-up request only ({@link CatchUp}).
 */
public final class Payloads {
  /** A DHT packet of the network (the DHT's own first byte). */
  public static final byte DHT = 0x0D;
  /** A fragment of a roster. */
  public static final byte ROSTER = 0x11;
  /** A join request (under an invite's key). */
  public static final byte JOIN = 0x12;
  /** A fragment of a join answer (under an invite's key). */
  public static final byte ANSWER = 0x13;
  /** A join refusal (under an invite's key). */
  public static final byte REFUSED = 0x14;
  /** A QUIC packet of a connection inside the network. */
  public static final byte QUIC = 0x15;
  /** A catch-up request ({@link CatchUp}). */
  public static final byte CATCHUP = 0x16;
  /** A catch-up challenge: the cookie a request must echo from its address ({@link CatchUp.Decision.Challenge}). */
  public static final byte CATCHUP_COOKIE = 0x17;
  /** A join challenge: the cookie a join request must echo from its address ({@link NetworkInvites.Outcome.Challenge}; under an invite's key). */
  public static final byte JOIN_COOKIE = 0x18;

  private Payloads() {}

  /** Return the plaintext of a datagram carrying {@code kind}: the kind byte, then {@code body}. */
  public static byte[] of(byte kind, byte[] body) {
    byte[] p = new byte[1 + body.length];
    p[0] = kind;
    System.arraycopy(body, 0, p, 1, body.length);
    return p;
  }

  /** Return whether a datagram carrying {@code kind} is taken when it opened under a key of {@code standing}. */
  public static boolean taken(Keyring.Standing standing, byte kind) {
    return switch (standing) {
      case CURRENT -> true;
      case OVERLAP -> kind == ROSTER || kind == CATCHUP || kind == CATCHUP_COOKIE;
      case RETIRED -> kind == CATCHUP;
    };
  }
}
