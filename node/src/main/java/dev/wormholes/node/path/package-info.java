/**
 * Paths to other nodes: the driver of the connectivity ladder (LAN, public or port-mapped
 * endpoint, hole punch through a rendezvous peer, relay through a reachable peer) whose decisions
 * are nat's {@link dev.wormholes.nat.node.PathLadder}, the path kept per node and replaced when a
 * better one appears, and {@code ping} over it.
 */
package dev.wormholes.node.path;
