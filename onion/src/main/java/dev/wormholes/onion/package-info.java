/**
 * The onion-routing engine, sans I/O: the circuit handshake ({@code handshake}), relay-cell
 * cryptography ({@code crypto}) and cell codecs ({@code cell}). Nothing here opens sockets, starts
 * threads, reads a clock or makes its own randomness: secrets arrive as parameters.
 */
package dev.wormholes.onion;
