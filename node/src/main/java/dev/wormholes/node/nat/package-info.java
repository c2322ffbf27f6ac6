/**
 * NAT traversal inside the node: {@link dev.wormholes.node.nat.NatAgent} runs nat/'s engines
 * (address observation, classification, hole punching, rendezvous, port mapping) on the shared
 * socket's event loop; {@link dev.wormholes.node.nat.NatCore} holds its decisions, sans-I/O.
 */
package dev.wormholes.node.nat;
