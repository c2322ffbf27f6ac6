package dev.wormholes.proto;

/**
 * Why {@link PacketCodec#decode} dropped a datagram. A runtime counts drops per reason (an
 * {@code EnumMap}) and logs them rate-limited; a dropped datagram is never answered.
 *
 * <p>Cheap checks run first: emptiness, length, first byte and magic prefix before parsing; then
 * parsing; then magic, version and network; then header fields, body presence and body fields. A
 * datagram is dropped for the first check that fails.
 */
public enum DropReason {
  /** The datagram had no bytes. */
  EMPTY,
  /** Longer than {@link Limits#MAX_DATAGRAM}: dropped before parsing. */
  TOO_LARGE,
  /**
   * The first byte is not {@link Limits#FIRST_BYTE}: not a Wormholes control datagram (a QUIC
   * packet on the shared socket, for instance). The runtime may hand it to another decoder.
   */
  NOT_OURS,
  /** The magic is not {@link Limits#MAGIC}. */
  BAD_MAGIC,
  /** The protocol version is not {@link Limits#PROTOCOL_VERSION}. */
  BAD_VERSION,
  /** The network id is not the one this node runs on (another or a private network). */
  WRONG_NETWORK,
  /** Not a valid protobuf {@code Packet}: truncated, bad varint, bad UTF-8, nested too deep. */
  UNPARSEABLE,
  /** A field a peer controls has a wrong length or value (id, key, endpoint, token, sizes). */
  BAD_FIELD,
  /** More contacts than {@link Limits#MAX_CONTACTS} in a {@code Nodes} or {@code ValueResponse}. */
  TOO_MANY_CONTACTS,
  /** No body, or a body type this version does not know. */
  NO_BODY
}
