package dev.wormholes.node.path;

import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/** Relay circuits as the ladder needs them (the node's relay agent provides them). */
@FunctionalInterface
public interface Relaying {
  /**
   * Open a circuit to {@code target} through the relay {@code relayId} at {@code relay}; complete
   * with the synthetic address the transport connects to for that circuit.
   */
  CompletableFuture<InetSocketAddress> open(InetSocketAddress relay, NodeId relayId, NodeId target);
}
