package dev.wormholes.node.socks;

import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.proto.NodeId;
import java.util.concurrent.CompletableFuture;

/**
 * Open a secure stream to a service of a node, however the node is reached (direct, punched,
 * relayed, onion): the SOCKS proxy's only view of the network. The returned stream is paused
 * (see {@link SecureStream#start()}).
 */
@FunctionalInterface
public interface StreamDialer {
  /** Open a stream to {@code service} on {@code node}. */
  CompletableFuture<SecureStream> dial(NodeId node, String service);

  /**
   * Open a stream to {@code to}, the address {@link #resolve} gave for host name {@code host};
   * default: {@code dial(to.node(), to.service())}. A dialer whose names stand for several nodes
   * may try the others when {@code to.node()} fails.
   */
  default CompletableFuture<SecureStream> dial(String host, WhAddress to) {
    return dial(to.node(), to.service());
  }

  /**
   * Open a stream to {@code service} on {@code node} through an onion circuit (host names {@code
   * SERVICE.NAME.onion.wh}); default: refused, onion circuits are off.
   */
  default CompletableFuture<CircuitStream> dialOnion(NodeId node, String service) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException("onion circuits are off"));
  }

  /**
   * Open a stream through an onion circuit to {@code to}, the address {@link #resolve} gave for
   * host name {@code host} (without its {@code .onion} label); default: {@code dialOnion(to.node(),
   * to.service())}. A dialer whose names stand for several nodes may try the others when {@code
   * to.node()} fails, as {@link #dial(String, WhAddress)} does.
   */
  default CompletableFuture<CircuitStream> dialOnion(String host, WhAddress to) {
    return dialOnion(to.node(), to.service());
  }

  /**
   * Open a stream to {@code service} on {@code node} inside the private network this node calls
   * {@code network} (host names {@code SERVICE.NAME.NETWORK.network.wh}); default: refused,
   * private networks are off.
   */
  default CompletableFuture<SecureStream> dialInNetwork(String network, NodeId node, String service) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException("private networks are off"));
  }

  /**
   * Open a stream to {@code to} inside the private network this node calls {@code network}, where
   * {@code to} is what {@link #resolve} made of {@code host} ({@code SERVICE.NAME.wh}, the network's
   * labels taken off), so that a dialer that knows people may try a person's other devices (default:
   * {@code to}'s node only).
   */
  default CompletableFuture<SecureStream> dialInNetwork(String network, String host, WhAddress to) {
    return dialInNetwork(network, to.node(), to.service());
  }

  /** Return the address a {@code .wh} host name stands for, or empty (default: node-id names only). */
  default java.util.Optional<WhAddress> resolve(String host) {
    return WhAddress.parse(host);
  }
}
