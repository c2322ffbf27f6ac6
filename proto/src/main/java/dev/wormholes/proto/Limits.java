package dev.wormholes.proto;

/**
 * Hard limits on everything a peer can send. Decoders check these before they parse or allocate;
 * anything over a limit is a dropped packet.
 */
public final class Limits {
  private Limits() {}

  /**
   * Largest DHT/NAT datagram, in bytes. 1200 would be too small: a PUT of a 1000-byte BEP 44
   * mutable item with its 64-byte salt, key, signature, token and header needs about 1290, so the
   * limit is 1400: still below the 1448-byte UDP payload of a 1500-byte Ethernet MTU over IPv6, so
   * datagrams are not fragmented on common paths.
   */
  public static final int MAX_DATAGRAM = 1400;
  /** Largest immutable value or mutable item value (BEP 44). */
  public static final int MAX_VALUE = 1000;
  /** Largest mutable item salt (BEP 44). */
  public static final int MAX_SALT = 64;
  /** Largest serialized Presence (before signature). */
  public static final int MAX_PRESENCE = 1000;
  /** Most endpoints in a presence record. */
  public static final int MAX_ENDPOINTS = 16;
  /** Most introducers in a presence record. */
  public static final int MAX_INTRODUCERS = 8;
  /** Most contacts in one Nodes or ValueResponse message. */
  public static final int MAX_CONTACTS = 20;
  /** Longest a presence record may claim to stay valid, measured from the verifier's clock. */
  public static final long MAX_PRESENCE_LIFETIME_MS = 2 * 60 * 60 * 1000L;
  /** Protocol version in Packet.version. */
  public static final int PROTOCOL_VERSION = 1;
  /** Packet.magic. */
  public static final int MAGIC = 0x57484F4C;
  /** The first byte of every serialized Packet: the tag of fixed32 field 1. QUIC's 0x40 bit is clear. */
  public static final byte FIRST_BYTE = 0x0D;
}
