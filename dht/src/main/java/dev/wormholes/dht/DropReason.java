package dev.wormholes.dht;

/** Why the engine dropped an incoming datagram without acting on it; counted in {@link DhtStats}. */
public enum DropReason {
  /** Empty, or longer than {@link dev.wormholes.proto.Limits#MAX_DATAGRAM}. */
  BAD_SIZE,
  /** First byte is not {@link dev.wormholes.proto.Limits#FIRST_BYTE}. */
  BAD_FIRST_BYTE,
  /** Not a parseable Packet. */
  MALFORMED,
  /** Wrong magic. */
  BAD_MAGIC,
  /** Unsupported protocol version. */
  BAD_VERSION,
  /** Packet.network_id is not ours. */
  WRONG_NETWORK,
  /** sender_id is not 32 bytes, or is our own id. */
  BAD_SENDER,
  /** No body, or a body field (target, key, contact, endpoint) is malformed. */
  BAD_BODY,
  /** More contacts than {@link dev.wormholes.proto.Limits#MAX_CONTACTS}. */
  TOO_MANY_CONTACTS,
  /** A response that matches no request of ours (unknown txid, wrong source, wrong sender id). */
  UNEXPECTED_RESPONSE,
  /** The source sent more requests than {@link DhtConfig#maxRequestsPerSecondPerSource()} allows. */
  RATE_LIMITED,
  /** An unvalidated request too small to carry even an empty answer (anti-amplification). */
  TOO_SMALL_TO_ANSWER
}
