package dev.wormholes.node;

import dev.wormholes.dht.QueryResult;
import dev.wormholes.node.runtime.UdpRuntime;
import dev.wormholes.node.socks.StreamDialer;
import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.node.stream.ServiceRefusedException;
import dev.wormholes.node.stream.StreamTransport;
import dev.wormholes.proto.Endpoints;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.EndpointKind;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.ReachEndpoint;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Dial by node id: look the node's presence record up in the DHT, then try its LAN, OBSERVED and
 * MAPPED endpoints one after the other, each with the node id pinned in the TLS handshake (a peer
 * that proves another key is refused there). A refusal by the service ends the attempt at once
 * (the node was reached); any other failure moves on to the next endpoint. Streams to this node
 * itself go to the loopback address of its own socket.
 */
public final class PresenceDialer implements StreamDialer {
  private static final Set<EndpointKind> DIALABLE =
      Set.of(EndpointKind.ENDPOINT_LAN, EndpointKind.ENDPOINT_OBSERVED, EndpointKind.ENDPOINT_MAPPED);

  private final UdpRuntime runtime;
  private final StreamTransport transport;

  /** Look records up through {@code runtime}, dial over {@code transport}. */
  public PresenceDialer(UdpRuntime runtime, StreamTransport transport) {
    this.runtime = runtime;
    this.transport = transport;
  }

  @Override
  public CompletableFuture<SecureStream> dial(NodeId node, String service) {
    if (node.equals(runtime.identity().id())) {
      InetSocketAddress own = runtime.localAddress();
      InetSocketAddress target = own.getAddress().isAnyLocalAddress()
          ? new InetSocketAddress(InetAddress.getLoopbackAddress(), own.getPort()) : own;
      return transport.connect(target, node, service);
    }
    return endpoints(node).thenCompose(eps -> tryEach(eps, 0, node, service, null));
  }

  /** Complete with the dialable endpoints of {@code node}'s presence record, in record order. */
  public CompletableFuture<List<InetSocketAddress>> endpoints(NodeId node) {
    return runtime.query((e, now) -> e.get(node, now)).thenApply(r -> {
      Optional<Presence> p = r instanceof QueryResult.Found f ? DhtValues.parsePresence(f.value()) : Optional.empty();
      if (p.isEmpty() || !Identity.idOf(p.get().getPublicKey().toByteArray()).equals(node)) {
        throw new CompletionException(new UnknownHostException("no presence record found for node " + node));
      }
      Set<InetSocketAddress> out = new LinkedHashSet<>();
      for (ReachEndpoint e : p.get().getEndpointsList()) {
        InetSocketAddress a = Endpoints.fromWire(e.getEndpoint()).orElse(null);
        if (a != null && DIALABLE.contains(e.getKind()) && !a.getAddress().isAnyLocalAddress()) {
          out.add(a);
        }
      }
      if (out.isEmpty()) {
        throw new CompletionException(new UnknownHostException("node " + node + " publishes no direct endpoint"));
      }
      return new ArrayList<>(out);
    });
  }

  private CompletableFuture<SecureStream> tryEach(List<InetSocketAddress> eps, int i, NodeId node, String service,
      Throwable last) {
    if (i == eps.size()) {
      Throwable cause = last instanceof CompletionException && last.getCause() != null ? last.getCause() : last;
      return CompletableFuture.failedFuture(new UnknownHostException("cannot reach node " + node + " at "
          + eps + ": " + cause));
    }
    return transport.connect(eps.get(i), node, service)
        .handle((s, err) -> {
          if (err == null) {
            return CompletableFuture.completedFuture(s);
          }
          Throwable c = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
          if (c instanceof ServiceRefusedException) {
            return CompletableFuture.<SecureStream>failedFuture(c);
          }
          return tryEach(eps, i + 1, node, service, c);
        })
        .thenCompose(f -> f);
  }
}
