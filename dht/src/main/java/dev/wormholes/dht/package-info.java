/**
 * The Kademlia DHT engine, sans I/O: {@link dev.wormholes.dht.DhtEngine} (routing table, iterative
 * lookups with S/Kademlia disjoint paths, the value store protocol with tokens and
 * anti-amplification), its configuration, events, results and statistics, and the {@link
 * dev.wormholes.dht.ValueStore} port with an in-memory implementation. Nothing here reads a clock,
 * makes randomness or touches a socket: {@code node/} and {@code sim/} drive it.
 */
package dev.wormholes.dht;
