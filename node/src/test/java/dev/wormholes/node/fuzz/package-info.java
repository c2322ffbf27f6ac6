/**
 * Jazzer fuzz tests of the wire decoders the daemon feeds with bytes from peers and gateways (DHT
 * packets, punch and relay datagrams, port-mapping replies), and their bounds ({@link
 * dev.wormholes.node.fuzz.FuzzRuns}). The fuzz tests of package-private decoders live in their
 * packages ({@code stream}, {@code socks}, {@code api}). See node/README.md "Fuzzing".
 */
package dev.wormholes.node.fuzz;
