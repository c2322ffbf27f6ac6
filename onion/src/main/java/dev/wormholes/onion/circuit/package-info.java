/**
 * The circuit engine: {@link dev.wormholes.onion.circuit.OnionEngine}, one per node, as
 * originator, middle relay and endpoint, sans I/O (handle/poll, time and randomness handed in), with
 * its DoS limits ({@link dev.wormholes.onion.circuit.OnionConfig}) and refusal counters ({@link
 * dev.wormholes.onion.circuit.OnionStats}).
 */
package dev.wormholes.onion.circuit;
