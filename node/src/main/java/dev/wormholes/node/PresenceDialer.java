package dev.wormholes.node;

import dev.wormholes.node.path.PathFinder;
import dev.wormholes.node.socks.StreamDialer;
import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.proto.NodeId;
import java.util.concurrent.CompletableFuture;

/**
 * Dial by node id: open the stream over the path {@link PathFinder} keeps to the node (found from
 * its presence record: LAN, port-mapped, public, punched or relayed, always with the node id pinned
 * in the TLS handshake). {@link PathFinder#open} bounds the open by the path's signs of life and
 * searches a failed or silent path once more; a refusal by the service ends the attempt at once.
 */
public final class PresenceDialer implements StreamDialer {
  private final PathFinder paths;

  /** Dial along the paths of {@code paths}. */
  public PresenceDialer(PathFinder paths) {
    this.paths = paths;
  }

  @Override
  public CompletableFuture<SecureStream> dial(NodeId node, String service) {
    return paths.open(node, service).thenApply(PathFinder.Opened::stream);
  }

  /** Return the path finder. */
  public PathFinder paths() {
    return paths;
  }
}
