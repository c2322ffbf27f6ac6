/**
 * A sans-I/O client of BitTorrent's mainline DHT (BEP 5, 42, 43, 44): bencode, KRPC, BEP 44
 * mutable items and {@link dev.wormholes.mainline.MainlineEngine}. No sockets, threads, clock or
 * own randomness; {@code node/} drives it.
 */
package dev.wormholes.mainline;
