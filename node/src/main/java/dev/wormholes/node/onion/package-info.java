/**
 * The driver of the onion engine in {@code wormholed}: cells over QUIC links between friends, relaying,
 * circuits through friends of friends, and streams over them to {@code service@person}.
 */
package dev.wormholes.node.onion;
