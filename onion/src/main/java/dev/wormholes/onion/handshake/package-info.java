/**
 * Circuit handshakes, one file per handshake: {@link dev.wormholes.onion.handshake.NtorV3} (Tor
 * proposal 332) over X25519, with the node's Ed25519 identity key as its ID field, and the
 * extension list it carries encrypted ({@link dev.wormholes.onion.handshake.Extensions}). Every
 * secret scalar is handed in; failures are typed ({@link
 * dev.wormholes.onion.handshake.HandshakeFailure}), never exceptions from peer bytes.
 */
package dev.wormholes.onion.handshake;
