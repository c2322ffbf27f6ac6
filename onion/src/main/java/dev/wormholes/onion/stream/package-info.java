/**
 * Streams inside onion circuits: BEGIN / CONNECTED / DATA / END relay messages and SENDME flow
 * control, sans I/O, on top of {@code circuit.OnionEngine}.
 */
package dev.wormholes.onion.stream;
