package dev.wormholes.onion.circuit;

import dev.wormholes.onion.handshake.NtorV3;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;

/**
 * One hop of a circuit as its signed presence record names it.
 *
 * @param identityKey the node's Ed25519 public key (its node id is SHA-256 of it)
 * @param onionKey the node's current X25519 onion key B
 */
public record Hop(byte[] identityKey, byte[] onionKey) {
  /** Check the sizes and copy. */
  public Hop {
    if (identityKey.length != NtorV3.ID_BYTES || onionKey.length != NtorV3.KEY_BYTES) {
      throw new IllegalArgumentException("a hop is a 32-byte Ed25519 key and a 32-byte X25519 key");
    }
    identityKey = identityKey.clone();
    onionKey = onionKey.clone();
  }

  /** Return the hop's node id. */
  public NodeId node() {
    return Identity.idOf(identityKey);
  }

  NtorV3.RelayKeys relayKeys() {
    return new NtorV3.RelayKeys(identityKey, onionKey);
  }
}
