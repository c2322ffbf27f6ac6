package dev.wormholes.node;

import dev.wormholes.node.path.Path;
import dev.wormholes.node.path.PathFinder;
import dev.wormholes.node.socks.StreamDialer;
import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.node.stream.ServiceRefusedException;
import dev.wormholes.node.stream.StreamTransport;
import dev.wormholes.proto.NodeId;
import java.util.concurrent.CompletableFuture;

/**
 * Dial by node id: open the stream over the path {@link PathFinder} keeps to the node (found from
 * its presence record: LAN, port-mapped, public, punched or relayed, always with the node id pinned
 * in the TLS handshake). If the stream cannot be opened over a path that was kept, the path is
 * forgotten and searched once more; a refusal by the service ends the attempt at once (the node
 * was reached).
 */
public final class PresenceDialer implements StreamDialer {
  private final PathFinder paths;
  private final StreamTransport transport;

  /** Dial over {@code transport} along the paths of {@code paths}. */
  public PresenceDialer(PathFinder paths, StreamTransport transport) {
    this.paths = paths;
    this.transport = transport;
  }

  @Override
  public CompletableFuture<SecureStream> dial(NodeId node, String service) {
    return paths.path(node).thenCompose(p -> open(p, service)
        .handle((s, err) -> {
          if (err == null) {
            return CompletableFuture.completedFuture(s);
          }
          Throwable c = PathFinder.unwrap(err);
          if (c instanceof ServiceRefusedException) {
            return CompletableFuture.<SecureStream>failedFuture(c);
          }
          paths.forget(node, p);
          return paths.path(node).thenCompose(q -> open(q, service));
        })
        .thenCompose(f -> f));
  }

  private CompletableFuture<SecureStream> open(Path p, String service) {
    return transport.connect(p.dialAddress(), p.node(), service);
  }

  /** Return the path finder. */
  public PathFinder paths() {
    return paths;
  }
}
