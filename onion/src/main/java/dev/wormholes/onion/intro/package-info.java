/**
 * Introductions and rendezvous, sans I/O: a hidden service's introduction points, a client's
 * rendezvous point, and the end-to-end ntor-v3 layer of a spliced circuit, on an {@code
 * OnionEngine}'s circuits.
 */
package dev.wormholes.onion.intro;
