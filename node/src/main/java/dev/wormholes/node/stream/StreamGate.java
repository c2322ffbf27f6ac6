package dev.wormholes.node.stream;

import dev.wormholes.proto.NodeId;
import java.util.Optional;

/**
 * Who may open a stream to an exposed service: asked by the service acceptor for every stream a
 * peer opens to a service that is exposed. Called on the stream's event loop; must not block.
 */
@FunctionalInterface
public interface StreamGate {
  /** The gate of an exposure alone: its allow-list (none: anyone who proves an id). */
  StreamGate EXPOSURE = (peer, service, exposure) -> exposure.allows(peer) ? Optional.empty()
      : Optional.of("node " + peer + " is not allowed to use '" + service + "'");

  /** Return why {@code peer} may not open a stream to {@code service}, or empty if it may. */
  Optional<String> refusal(NodeId peer, String service, Exposure exposure);
}
