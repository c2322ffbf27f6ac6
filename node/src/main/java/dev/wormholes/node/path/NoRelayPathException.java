package dev.wormholes.node.path;

import dev.wormholes.proto.NodeId;
import java.io.IOException;

/**
 * No relayed path to a node whose presence record was found could be made ({@code wormholes ping
 * --relay}): it lists no relay, or none of its relays opened a circuit that connected. The API
 * answers it with 504, as a gateway that got no path in time; a missing record stays a 404.
 */
public final class NoRelayPathException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Say that no relayed path to {@code node} could be made, and why ({@code reason}). */
  public NoRelayPathException(NodeId node, String reason) {
    super("no relayed path to node " + node + " could be made: " + reason);
  }
}
