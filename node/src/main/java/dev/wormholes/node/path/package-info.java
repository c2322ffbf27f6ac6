/**
 * Paths to other nodes: the driver of the connectivity ladder (LAN, public or port-mapped
 * endpoint, hole punch through a rendezvous peer, relay through a reachable peer) whose decisions
 * and timing are nat's {@link dev.wormholes.nat.node.PathEngine} (on {@link
 * dev.wormholes.nat.node.PathLadder}'s plan), the path kept per node and replaced when the engine
 * upgrades a relayed one, and {@code ping} over it.
 */
package dev.wormholes.node.path;
