/**
 * Hole punching, sans-I/O: the {@link dev.wormholes.nat.punch.HolePunch} engine (one per node),
 * the {@link dev.wormholes.nat.punch.Rendezvous} engine run by a peer both ends can reach
 * (registration, candidate exchange, observed-address replies, dial-backs), and their datagram
 * codec {@link dev.wormholes.nat.punch.PunchCodec}. Probes are signed with the peers' Ed25519
 * identity keys over fresh nonces: a path is accepted only when the right key answers our nonce.
 */
package dev.wormholes.nat.punch;
