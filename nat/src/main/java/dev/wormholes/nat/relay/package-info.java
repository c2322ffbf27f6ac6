/**
 * Relay fallback, sans-I/O: a datagram-level relay in the manner of TURN and Tailscale's DERP, not
 * a stream splice. QUIC with TLS pinned to node ids runs end to end between the two nodes through
 * the relay, which only ever sees ciphertext, so streams work the same on every path.
 *
 * <p>{@link dev.wormholes.nat.relay.RelayCodec} is the wire format (first byte {@code 0x0F}, magic
 * {@code 0F 57 48 01}); {@link dev.wormholes.nat.relay.RelayServer} is the relay's engine (circuits
 * between a requester and a registered target, byte-rate quotas, bounded memory);
 * {@link dev.wormholes.nat.relay.RelayClient} is an end's engine (opens with retries, incoming
 * circuits from trusted relays only, circuits behind synthetic addresses of
 * {@link dev.wormholes.nat.relay.SyntheticAddresses}).
 */
package dev.wormholes.nat.relay;
