package dev.wormholes.node.path;

import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;

/**
 * A path to a node over which an authenticated connection was opened.
 *
 * @param node the node at the other end (its key was proven over this path)
 * @param kind how the path came about
 * @param dialAddress the address the node's QUIC connection uses (for a relayed path, the
 *     synthetic address that stands for the relay circuit)
 * @param shownAddress the address to show people (for a relayed path, the relay's)
 * @param timeToPathMs time from the start of the search to the authenticated connection
 */
public record Path(NodeId node, PathKind kind, InetSocketAddress dialAddress, InetSocketAddress shownAddress,
    long timeToPathMs) {}
