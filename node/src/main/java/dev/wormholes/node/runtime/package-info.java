/**
 * The Netty runtime that drives the sans-I/O engines (ARCHITECTURE.md): {@link
 * dev.wormholes.node.runtime.UdpRuntime} owns the node's one UDP socket and one {@code DhtEngine}
 * on one event loop, demultiplexes datagrams on their first byte, rate-limits sources, drains the
 * engine's outputs after every input and keeps a single timer. Other threads talk to it only by
 * submitting commands that complete {@link java.util.concurrent.CompletableFuture}s.
 */
package dev.wormholes.node.runtime;
