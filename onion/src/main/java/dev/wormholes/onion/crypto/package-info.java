/**
 * Relay-cell cryptography: POLYVAL (RFC 8452) and Counter Galois Onion (Tor proposal 359) on
 * fixed-size cell bodies, behind per-direction layer interfaces that answer "recognised here" or
 * not. Pure: keys arrive from the handshake, nothing here draws randomness or reads a clock.
 */
package dev.wormholes.onion.crypto;
