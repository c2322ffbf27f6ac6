package dev.wormholes.node.api;

/** A request that fails with an HTTP status and one clear sentence for {@code {"error": ...}}. */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;

  /** Return a failure with {@code status} and {@code message}. */
  public ApiException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  /** Return the HTTP status. */
  public int status() {
    return status;
  }
}
