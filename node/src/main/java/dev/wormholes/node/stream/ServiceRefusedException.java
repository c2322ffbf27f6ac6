package dev.wormholes.node.stream;

/** The remote node answered a stream request with a refusal, or never answered. */
public final class ServiceRefusedException extends Exception {
  private static final long serialVersionUID = 1L;
  private final ServiceHeader.Status status;

  /** Make the exception for a refusal with {@code status} and the peer's {@code reason}. */
  public ServiceRefusedException(ServiceHeader.Status status, String reason) {
    super(status + ": " + reason);
    this.status = status;
  }

  /** Return the refusal status. */
  public ServiceHeader.Status status() {
    return status;
  }
}
