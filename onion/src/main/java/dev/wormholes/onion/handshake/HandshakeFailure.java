package dev.wormholes.onion.handshake;

/** Why a handshake step refused its input. Each is counted by the caller, never thrown. */
public enum HandshakeFailure {
  /** The message is too short or not of the expected shape. */
  MALFORMED,
  /** The (identity, onion key) pair the client named is not one of ours. */
  UNKNOWN_KEY,
  /** An X25519 input was a small-order point: the shared secret came out all zero. */
  NON_CONTRIBUTORY,
  /** The client's message MAC does not verify. */
  BAD_MAC,
  /** The server's AUTH does not verify: wrong server key, tampered reply or wrong verification. */
  BAD_AUTH
}
