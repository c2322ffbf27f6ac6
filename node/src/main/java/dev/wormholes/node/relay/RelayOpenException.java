package dev.wormholes.node.relay;

import dev.wormholes.nat.relay.RelayReason;

/** An open through a relay failed: the relay refused it, or nobody answered. */
public final class RelayOpenException extends Exception {
  private static final long serialVersionUID = 1L;
  private final transient RelayReason reason;

  /** Make the failure for {@code reason}, with a message naming {@code what}. */
  public RelayOpenException(RelayReason reason, String what) {
    super(what + ": " + reason.name());
    this.reason = reason;
  }

  /** Return why the open failed. */
  public RelayReason reason() {
    return reason;
  }
}
