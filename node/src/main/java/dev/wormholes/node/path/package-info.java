/**
 * Paths to other nodes: the connectivity ladder of DESIGN.md (LAN, public or port-mapped endpoint,
 * hole punch through a rendezvous peer, relay through a reachable peer), the path kept per node and
 * replaced when a better one appears, and {@code ping} over it.
 */
package dev.wormholes.node.path;
