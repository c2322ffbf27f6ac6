package dev.wormholes.nat.relay;

import dev.wormholes.proto.NodeId;
import java.nio.ByteBuffer;

/**
 * Encode and decode {@link RelayMessage}s.
 *
 * <p>Layout: {@code 0x0F 'W' 'H' 0x01} (first byte differs from the DHT's 0x0D and the punch
 * codec's 0x0E and has QUIC's 0x40 bit clear, so all share the node's one socket; then the magic
 * and the version), a type byte, then the fields, big-endian:
 *
 * <pre>
 *   type  message   fields                               total bytes
 *   01    Open      nonce u64, target id (32 bytes)      45
 *   02    Opened    nonce u64, circuit u64               21
 *   03    Refused   nonce u64, reason u8                 14
 *   04    Incoming  circuit u64                          13
 *   05    Accept    circuit u64                          13
 *   06    Data      circuit u64, QUIC packet (1..1452)   14..1465
 *   07    Close     circuit u64, reason u8               14
 *   08    Keepalive circuit u64                          13
 * </pre>
 *
 * An Open is larger than either answer to it, so a relay never answers an unauthenticated request
 * with more bytes than it carried. Decoding never throws: anything else is a typed
 * {@link RelayFailure}.
 */
public final class RelayCodec {
  private RelayCodec() {}

  /** The first byte of every relay datagram. */
  public static final byte FIRST_BYTE = 0x0F;
  /** The four-byte prefix: first byte, magic "WH", version. */
  public static final byte[] MAGIC = {FIRST_BYTE, 'W', 'H', 0x01};
  /** The version byte. */
  public static final byte VERSION = 0x01;
  /** Bytes before a Data datagram's QUIC packet (prefix, type, circuit). */
  public static final int DATA_HEADER = 13;
  /** Largest QUIC packet a Data datagram carries. */
  public static final int MAX_PACKET = 1452;
  /** Largest relay datagram (a full Data). */
  public static final int MAX_DATAGRAM = DATA_HEADER + MAX_PACKET;
  /** Size of an Open (also the most bytes a relay sends back for one). */
  public static final int OPEN_SIZE = 45;

  static final byte T_OPEN = 1, T_OPENED = 2, T_REFUSED = 3, T_INCOMING = 4, T_ACCEPT = 5,
      T_DATA = 6, T_CLOSE = 7, T_KEEPALIVE = 8;

  /** Return whether {@code b} starts like a relay datagram (first byte only: cheap routing). */
  public static boolean isRelay(byte[] b) {
    return b.length > 0 && b[0] == FIRST_BYTE;
  }

  // ---- encoding

  /** Return the datagram of {@code m}. */
  public static byte[] encode(RelayMessage m) {
    if (m instanceof RelayMessage.Data d) {
      return d.datagram();
    }
    ByteBuffer bb = ByteBuffer.allocate(OPEN_SIZE).put(MAGIC);
    if (m instanceof RelayMessage.Open o) {
      bb.put(T_OPEN).putLong(o.nonce()).put(o.target().toBytes());
    } else if (m instanceof RelayMessage.Opened o) {
      bb.put(T_OPENED).putLong(o.nonce()).putLong(o.circuit());
    } else if (m instanceof RelayMessage.Refused r) {
      bb.put(T_REFUSED).putLong(r.nonce()).put((byte) r.reason().code());
    } else if (m instanceof RelayMessage.Incoming i) {
      bb.put(T_INCOMING).putLong(i.circuit());
    } else if (m instanceof RelayMessage.Accept a) {
      bb.put(T_ACCEPT).putLong(a.circuit());
    } else if (m instanceof RelayMessage.Close c) {
      bb.put(T_CLOSE).putLong(c.circuit()).put((byte) c.reason().code());
    } else if (m instanceof RelayMessage.Keepalive k) {
      bb.put(T_KEEPALIVE).putLong(k.circuit());
    }
    return java.util.Arrays.copyOf(bb.array(), bb.position());
  }

  /**
   * Return a Data message carrying bytes {@code off .. off+len} of {@code packet} on
   * {@code circuit} (the bytes are copied into a fresh datagram).
   *
   * @throws IllegalArgumentException if {@code len} is outside 1..{@link #MAX_PACKET}
   */
  public static RelayMessage.Data data(long circuit, byte[] packet, int off, int len) {
    if (len < 1 || len > MAX_PACKET) {
      throw new IllegalArgumentException("QUIC packet of " + len + " bytes does not fit a relay datagram");
    }
    byte[] d = new byte[DATA_HEADER + len];
    ByteBuffer.wrap(d).put(MAGIC).put(T_DATA).putLong(circuit);
    System.arraycopy(packet, off, d, DATA_HEADER, len);
    return new RelayMessage.Data(circuit, d);
  }

  // ---- decoding

  /**
   * Return the message in {@code b} or the reason there is none. A Data message keeps {@code b}
   * itself as its datagram (no copy).
   */
  public static RelayDecoded decode(byte[] b) {
    RelayFailure f = checkPrefix(b);
    if (f != null) {
      return new RelayDecoded.Failed(f);
    }
    ByteBuffer bb = ByteBuffer.wrap(b, 5, b.length - 5);
    byte type = b[4];
    int need = bodyLength(type);
    if (need < 0) {
      return new RelayDecoded.Failed(RelayFailure.UNKNOWN_TYPE);
    }
    if (bb.remaining() < need) {
      return new RelayDecoded.Failed(RelayFailure.TRUNCATED);
    }
    if (type == T_DATA) {
      return data(b, bb.getLong());
    }
    if (bb.remaining() > need) {
      return new RelayDecoded.Failed(RelayFailure.TRAILING_BYTES);
    }
    return new RelayDecoded.Ok(body(type, bb));
  }

  private static RelayFailure checkPrefix(byte[] b) {
    if (b.length == 0) {
      return RelayFailure.EMPTY;
    }
    if (b.length > MAX_DATAGRAM) {
      return RelayFailure.TOO_LARGE;
    }
    if (b[0] != FIRST_BYTE) {
      return RelayFailure.NOT_RELAY;
    }
    if (b.length < 5) {
      return RelayFailure.TRUNCATED;
    }
    if (b[1] != MAGIC[1] || b[2] != MAGIC[2]) {
      return RelayFailure.BAD_MAGIC;
    }
    return b[3] == VERSION ? null : RelayFailure.BAD_VERSION;
  }

  /** Return the fixed body length of {@code type} (Data: its minimum without the packet), or -1. */
  private static int bodyLength(byte type) {
    return switch (type) {
      case T_OPEN -> 40;
      case T_OPENED -> 16;
      case T_REFUSED, T_CLOSE -> 9;
      case T_INCOMING, T_ACCEPT, T_DATA, T_KEEPALIVE -> 8;
      default -> -1;
    };
  }

  private static RelayDecoded data(byte[] b, long circuit) {
    if (b.length == DATA_HEADER || (b[DATA_HEADER] & 0x40) == 0) {
      return new RelayDecoded.Failed(RelayFailure.BAD_FIELD); // empty, or not a QUIC packet
    }
    return new RelayDecoded.Ok(new RelayMessage.Data(circuit, b));
  }

  private static RelayMessage body(byte type, ByteBuffer bb) {
    switch (type) {
      case T_OPEN: {
        long nonce = bb.getLong();
        byte[] id = new byte[NodeId.BYTES];
        bb.get(id);
        return new RelayMessage.Open(nonce, NodeId.of(id));
      }
      case T_OPENED: return new RelayMessage.Opened(bb.getLong(), bb.getLong());
      case T_REFUSED: return new RelayMessage.Refused(bb.getLong(), RelayReason.of(bb.get()));
      case T_INCOMING: return new RelayMessage.Incoming(bb.getLong());
      case T_ACCEPT: return new RelayMessage.Accept(bb.getLong());
      case T_KEEPALIVE: return new RelayMessage.Keepalive(bb.getLong());
      default: return new RelayMessage.Close(bb.getLong(), RelayReason.of(bb.get()));
    }
  }
}
