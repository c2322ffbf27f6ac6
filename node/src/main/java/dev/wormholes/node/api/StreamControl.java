package dev.wormholes.node.api;

import dev.wormholes.node.path.Path;
import dev.wormholes.node.path.Ping;
import dev.wormholes.node.store.ServiceRecord;
import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** What the control API may do with a node's secure streams: exposures and the SOCKS address. */
public interface StreamControl {
  /**
   * Expose {@code record.service()} (replacing an earlier exposure of that name) and store it so
   * that it survives a restart; throw {@link ApiException} 400 for a bad name or target.
   */
  ServiceRecord expose(ServiceRecord record);

  /** Stop exposing {@code service} and forget it; return whether it was exposed. */
  boolean unexpose(String service);

  /** Return the exposed services in name order. */
  List<ServiceRecord> services();

  /**
   * Find or reuse the path to {@code node} (with {@code viaRelay}: open a relayed one) and time
   * {@code count} round trips over it.
   */
  CompletableFuture<Ping.Result> ping(NodeId node, int count, boolean viaRelay);

  /** Return the live paths to other nodes. */
  List<Path> paths();

  /** Return the SOCKS proxy's bound address, or null if it has none. */
  InetSocketAddress socksAddress();

  /**
   * QUIC connections other nodes opened to this one.
   *
   * @param accepted open now
   * @param refusedTotal refused because the total cap was reached
   * @param refusedPerPeer refused because the cap per IP address was reached
   */
  record Connections(int accepted, long refusedTotal, long refusedPerPeer) {}

  /** Return the counts of QUIC connections from other nodes (zeros when there is no transport). */
  default Connections connections() {
    return new Connections(0, 0, 0);
  }

  /** Complete with the onion circuits' state ({@code GET /v1/circuits}); default: 503, none. */
  default CompletableFuture<com.google.gson.JsonObject> circuits() {
    return CompletableFuture.failedFuture(new ApiException(503, "onion circuits are off on this node"));
  }

  /** Return the username and password the SOCKS proxy asks of its clients. */
  dev.wormholes.node.socks.SocksCredentials socksCredentials();
}
