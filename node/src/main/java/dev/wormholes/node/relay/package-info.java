/**
 * The relay fallback inside the node: {@link dev.wormholes.node.relay.RelayAgent} drives nat's
 * sans-I/O relay engines on the stream transport's socket loop, so that QUIC connections to a
 * node reached through a relay run end to end (the relay sees only ciphertext) behind synthetic
 * addresses in 100::/64.
 */
package dev.wormholes.node.relay;
