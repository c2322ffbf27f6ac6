package dev.wormholes.nat.punch;

import java.net.InetSocketAddress;

/**
 * A datagram {@link HolePunch} or {@link Rendezvous} wants sent.
 *
 * @param socket which local socket sends it: 0 is the node's socket; 1..N are the extra sockets
 *     of birthday punching (the driver opens them on first use, each on a fresh ephemeral port,
 *     and feeds their datagrams back with the same index); for a rendezvous, 1 is its second port
 * @param to destination
 * @param payload the datagram (owned by the receiver of this record)
 */
public record PunchTransmit(int socket, InetSocketAddress to, byte[] payload) {}
