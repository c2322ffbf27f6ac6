/**
 * The Wormholes daemon: {@link dev.wormholes.node.Wormholed} (the {@code wormholed} command),
 * {@link dev.wormholes.node.NodeConfig} (what a node is started with) and {@link
 * dev.wormholes.node.WormholesNode} (a running node: store, UDP runtime, control API and LAN
 * discovery, usable in-process by tests).
 */
package dev.wormholes.node;
