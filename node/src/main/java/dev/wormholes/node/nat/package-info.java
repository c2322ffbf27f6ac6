/**
 * NAT traversal drivers inside the node: {@link dev.wormholes.node.nat.NatAgent} runs nat/'s
 * composing engine {@link dev.wormholes.nat.node.NatCore} (address observation, classification,
 * filter tests, hole punching, rendezvous) on the shared socket's event loop, with the side and
 * birthday sockets, the timer and the port-mapping I/O ({@link dev.wormholes.node.nat.PortMapDriver},
 * {@link dev.wormholes.node.nat.DefaultGateway}). No decision is made here.
 */
package dev.wormholes.node.nat;
