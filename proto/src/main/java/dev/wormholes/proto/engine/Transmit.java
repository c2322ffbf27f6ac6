package dev.wormholes.proto.engine;

import java.net.InetSocketAddress;

/**
 * A datagram an engine wants sent from the node's one UDP socket.
 *
 * @param to destination
 * @param payload the datagram; the engine hands over ownership (never mutated afterwards)
 */
public record Transmit(InetSocketAddress to, byte[] payload) {}
