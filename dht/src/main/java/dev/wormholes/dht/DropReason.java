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
  /** sender_id is our own id (a reflection of our own traffic). */
  BAD_SENDER,
  /** No body, or a header or body field (sender id, target, key, contact, endpoint, token, value size) is malformed. */
  BAD_BODY,
  /** More contacts than {@link dev.wormholes.proto.Limits#MAX_CONTACTS}. */
  TOO_MANY_CONTACTS,
  /** A response that matches no request of ours (unknown txid, wrong source, wrong sender id). */
  UNEXPECTED_RESPONSE,
  /**
   * A response to a request of ours that had already timed out, within the grace period ({@link
   * DhtConfig#lateResponseGraceMs()}): it credits the contact but no longer serves its query.
   */
  LATE_RESPONSE,
  /** The source sent more requests than {@link DhtConfig#maxRequestsPerSecondPerSource()} allows. */
  RATE_LIMITED,
  /** An unvalidated request too small to carry even an empty answer (anti-amplification). */
  TOO_SMALL_TO_ANSWER,
  /** A request that arrived while this node is read-only: it answers nobody (BEP 43). */
  READ_ONLY,
  /**
   * sender_id lacks the network's id work ({@link DhtConfig#idWorkBits()}) and the datagram is not
   * a read-only request: checked right after decoding.
   */
  ID_WORK;

  /** Return the engine's reason for a drop by {@link dev.wormholes.proto.PacketCodec#decode}. */
  public static DropReason of(dev.wormholes.proto.DropReason codec) {
    return switch (codec) {
      case EMPTY, TOO_LARGE -> BAD_SIZE;
      case NOT_OURS -> BAD_FIRST_BYTE;
      case BAD_MAGIC -> BAD_MAGIC;
      case BAD_VERSION -> BAD_VERSION;
      case WRONG_NETWORK -> WRONG_NETWORK;
      case UNPARSEABLE -> MALFORMED;
      case BAD_FIELD, NO_BODY -> BAD_BODY;
      case TOO_MANY_CONTACTS -> TOO_MANY_CONTACTS;
    };
  }
}
