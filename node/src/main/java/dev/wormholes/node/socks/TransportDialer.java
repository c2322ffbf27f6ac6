package dev.wormholes.node.socks;

import dev.wormholes.nat.node.PathEngine;
import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.node.stream.StreamTransport;
import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A {@link StreamDialer} that dials over a {@link StreamTransport} to the address a resolver
 * gives for a node id (an address book). An open over a connection silent for {@link
 * PathEngine#openSilenceMs} of its last handshake time fails with {@code
 * SilentConnectionException} instead of waiting for the connection's idle timeout.
 */
public final class TransportDialer implements StreamDialer {
  private final StreamTransport transport;
  private final Function<NodeId, Optional<InetSocketAddress>> resolver;

  /** Dial over {@code transport} to the addresses {@code resolver} knows. */
  public TransportDialer(StreamTransport transport,
      Function<NodeId, Optional<InetSocketAddress>> resolver) {
    this.transport = transport;
    this.resolver = resolver;
  }

  @Override
  public CompletableFuture<SecureStream> dial(NodeId node, String service) {
    Optional<InetSocketAddress> where = resolver.apply(node);
    if (where.isEmpty()) {
      return CompletableFuture.failedFuture(
          new UnknownHostException("no known address for node " + node));
    }
    long silence = PathEngine.openSilenceMs(transport.handshakeMs(where.get(), node).orElse(-1));
    return transport.connect(where.get(), node, service, silence);
  }
}
