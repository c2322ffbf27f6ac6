package dev.wormholes.node.path;

import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.Presence;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/** Hole punching as the ladder needs it (the node's NAT agent provides it). */
@FunctionalInterface
public interface Punching {
  /**
   * A punched (or otherwise probed) endpoint of a node, which the node's transport can connect to.
   *
   * @param endpoint the node's endpoint on the path
   * @param kind LAN, DIRECT, MAPPED or PUNCHED
   * @param probesSent probes this side sent
   */
  record Punched(InetSocketAddress endpoint, PathKind kind, int probesSent) {}

  /** Punch towards {@code target} through one of the introducers of its {@code record}. */
  CompletableFuture<Punched> punch(NodeId target, Presence record);
}
