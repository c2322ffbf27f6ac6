/**
 * The onion-routing engine, sans I/O: the circuit handshake ({@code handshake}), relay-cell
 * cryptography ({@code crypto}), cell codecs ({@code cell}), the circuit engine ({@code circuit}),
 * streams in circuits ({@code stream}), paths ({@code path}) and which link to a neighbour is kept
 * ({@code link}). Nothing here opens sockets, starts
 * threads, reads a clock or makes its own randomness: secrets arrive as parameters.
 */
package dev.wormholes.onion;
