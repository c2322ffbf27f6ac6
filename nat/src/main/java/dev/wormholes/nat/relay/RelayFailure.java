package dev.wormholes.nat.relay;

/** Why {@link RelayCodec#decode} did not return a message. */
public enum RelayFailure {
  /** No bytes. */
  EMPTY,
  /** Longer than {@link RelayCodec#MAX_DATAGRAM}. */
  TOO_LARGE,
  /** The first byte is not {@link RelayCodec#FIRST_BYTE}. */
  NOT_RELAY,
  /** Bytes 1..2 are not the magic {@code 'W' 'H'}. */
  BAD_MAGIC,
  /** Byte 3 is not {@link RelayCodec#VERSION}. */
  BAD_VERSION,
  /** A type byte this version does not know. */
  UNKNOWN_TYPE,
  /** Fewer bytes than the type's layout needs. */
  TRUNCATED,
  /** More bytes than the type's layout has. */
  TRAILING_BYTES,
  /** A field with an impossible value (an empty packet or one without QUIC's fixed bit). */
  BAD_FIELD
}
