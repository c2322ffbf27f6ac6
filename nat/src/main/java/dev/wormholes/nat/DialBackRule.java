package dev.wormholes.nat;

import java.net.InetSocketAddress;

/**
 * The one rule for dial-back requests (a peer asks us, or a third peer through us, to send a
 * datagram to its observed endpoint so it can learn its NAT's filtering): a dial-back only ever
 * goes to the requester's own observed source address, never to an address named in the request.
 * Anything else would make every node a free reflector for spoofing and amplification attacks.
 */
public final class DialBackRule {
  private DialBackRule() {}

  /** The decision on one request. */
  public enum Verdict {
    /** Send the dial-back to the requester's observed address. */
    ALLOW,
    /** The request names another address than the one it came from: refuse and count. */
    REFUSE_THIRD_PARTY,
    /** The request names no usable address (unresolved, port 0): refuse and count. */
    REFUSE_MALFORMED
  }

  /**
   * Decide a dial-back request that arrived from {@code observedSource} and names {@code
   * requestedTarget} (which must equal it: the request carries it only so that a requester and a
   * relay can check they agree).
   */
  public static Verdict check(InetSocketAddress observedSource, InetSocketAddress requestedTarget) {
    if (requestedTarget == null || requestedTarget.isUnresolved() || requestedTarget.getPort() == 0) {
      return Verdict.REFUSE_MALFORMED;
    }
    return requestedTarget.equals(observedSource) ? Verdict.ALLOW : Verdict.REFUSE_THIRD_PARTY;
  }
}
