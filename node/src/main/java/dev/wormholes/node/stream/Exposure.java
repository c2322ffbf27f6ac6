package dev.wormholes.node.stream;

import dev.wormholes.proto.NodeId;
import java.util.Set;

/**
 * An exposed service: who may open streams to it and what handles them.
 *
 * @param allowed node ids allowed to connect, or {@code null} for anyone who proves an id
 * @param acceptor the handler of accepted streams
 */
public record Exposure(Set<NodeId> allowed, ServiceAcceptor acceptor) {
  /** Copy the allow-list so later changes by the caller do not leak in. */
  public Exposure {
    allowed = allowed == null ? null : Set.copyOf(allowed);
  }

  /** Return an exposure open to every node. */
  public static Exposure open(ServiceAcceptor acceptor) {
    return new Exposure(null, acceptor);
  }

  /** Return whether the exposure is open to every node (it has no allow-list). */
  public boolean isPublic() {
    return allowed == null;
  }

  /** Return whether {@code peer} is on the allow-list (or there is none). */
  public boolean allows(NodeId peer) {
    return allowed == null || allowed.contains(peer);
  }
}
