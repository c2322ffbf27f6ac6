package dev.wormholes.node.stream;

import java.net.SocketTimeoutException;

/**
 * A stream open got not a single packet from the node over its connection within its bound: the
 * connection is taken for dead (the node went away unseen) and was closed.
 */
public final class SilentConnectionException extends SocketTimeoutException {
  private static final long serialVersionUID = 1L;

  /** Make the exception for a connection silent for {@code silenceMs}. */
  public SilentConnectionException(String node, long silenceMs) {
    super("no packet from node " + node + " within " + silenceMs + " ms of a stream open: connection closed");
  }
}
