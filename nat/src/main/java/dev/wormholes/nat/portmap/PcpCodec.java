package dev.wormholes.nat.portmap;

import dev.wormholes.nat.Networks;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * PCP (RFC 6887) client messages for the MAP and ANNOUNCE opcodes.
 *
 * <pre>
 * request header (7.1, 24 bytes):  version=2 | R=0,opcode(7) | reserved(16) | lifetime(32)
 *                                  | client IP (128, IPv4-mapped for IPv4)
 * response header (7.2, 24 bytes): version=2 | R=1,opcode(7) | reserved(8) | result(8)
 *                                  | lifetime(32) | epoch(32) | reserved(96)
 * MAP data (11.1, 36 bytes):       nonce(96) | protocol(8) | reserved(24) | internal port(16)
 *                                  | external port(16) | external IP (128)
 * </pre>
 *
 * ANNOUNCE (14.1) is a bare header with opcode 0 and lifetime 0. A MAP with lifetime 0 deletes
 * (15). IPv4 addresses travel as IPv4-mapped IPv6 (::ffff:a.b.c.d, 5).
 */
public final class PcpCodec {
  private PcpCodec() {}

  /** The server port on the gateway (RFC 6887 19.1). */
  public static final int SERVER_PORT = 5351;
  /** PCP's version number. */
  public static final int VERSION = 2;
  /** Opcode ANNOUNCE. */
  public static final int OP_ANNOUNCE = 0;
  /** Opcode MAP. */
  public static final int OP_MAP = 1;
  /** IANA protocol number of UDP. */
  public static final int PROTO_UDP = 17;
  /** Bytes in a mapping nonce. */
  public static final int NONCE_BYTES = 12;
  /** Result code: the server speaks another version (a NAT-PMP-only server answers this). */
  public static final int UNSUPP_VERSION = 1;

  /** Return the 16-byte PCP form of {@code ip}: IPv4-mapped for IPv4. */
  public static byte[] to16(InetAddress ip) {
    byte[] a = ip.getAddress();
    if (a.length == 16) {
      return a;
    }
    byte[] m = new byte[16];
    m[10] = (byte) 0xFF;
    m[11] = (byte) 0xFF;
    System.arraycopy(a, 0, m, 12, 4);
    return m;
  }

  /** Return the address of a 16-byte PCP field, unmapping IPv4-mapped IPv6. */
  public static InetAddress from16(byte[] a) {
    boolean mapped = a[10] == (byte) 0xFF && a[11] == (byte) 0xFF;
    for (int i = 0; i < 10 && mapped; i++) {
      mapped = a[i] == 0;
    }
    return Networks.ofBytes(mapped ? Arrays.copyOfRange(a, 12, 16) : a);
  }

  /** Return an ANNOUNCE request (24 bytes) from {@code client}. */
  public static byte[] encodeAnnounce(InetAddress client) {
    return header(OP_ANNOUNCE, 0, client, 24).array();
  }

  /**
   * Return a MAP request (60 bytes) for UDP {@code internalPort}; lifetime 0 deletes. {@code
   * suggestedExternal} may be {@code null} (all zeros: "any").
   */
  public static byte[] encodeMapUdp(InetAddress client, byte[] nonce, int internalPort,
      int suggestedExternalPort, InetAddress suggestedExternal, long lifetimeSeconds) {
    if (nonce.length != NONCE_BYTES) {
      throw new IllegalArgumentException("a PCP nonce is 12 bytes");
    }
    ByteBuffer bb = header(OP_MAP, lifetimeSeconds, client, 60);
    bb.put(nonce).put((byte) PROTO_UDP).put(new byte[3])
        .putShort((short) internalPort).putShort((short) suggestedExternalPort)
        .put(suggestedExternal == null ? new byte[16] : to16(suggestedExternal));
    return bb.array();
  }

  private static ByteBuffer header(int op, long lifetime, InetAddress client, int size) {
    return ByteBuffer.allocate(size).put((byte) VERSION).put((byte) op).putShort((short) 0)
        .putInt((int) lifetime).put(to16(client));
  }

  /**
   * Decode a MAP response from {@code from}: refuse it unless it came from {@code gateway}:5351,
   * answers our {@code nonce} for UDP {@code internalPort}, and reports success.
   */
  public static Decoded<MappedPort> decodeMapResponse(
      InetSocketAddress from, byte[] b, InetAddress gateway, byte[] nonce, int internalPort) {
    if (!from.getAddress().equals(gateway) || from.getPort() != SERVER_PORT) {
      return Decoded.err(Decoded.Failure.WRONG_SOURCE, String.valueOf(from));
    }
    // Version first: a NAT-PMP-only gateway answers with a short version-0 reply (RFC 6887 9),
    // which must read as "speaks another version" (fall back now), not as a malformed packet.
    if (b.length >= 2 && b[0] != VERSION) {
      return Decoded.err(Decoded.Failure.BAD_VERSION, "version " + (b[0] & 0xFF));
    }
    if (b.length < 24 || b.length > 1100 || b.length % 4 != 0) {
      return Decoded.err(Decoded.Failure.BAD_LENGTH, b.length + " bytes");
    }
    if ((b[1] & 0xFF) != (0x80 | OP_MAP)) {
      return Decoded.err(Decoded.Failure.BAD_OPCODE, "opcode " + (b[1] & 0xFF));
    }
    int result = b[3] & 0xFF;
    if (result != 0) {
      return new Decoded.Err<>(Decoded.Failure.REFUSED, "result code " + result, result);
    }
    if (b.length < 60) {
      return Decoded.err(Decoded.Failure.BAD_LENGTH, b.length + " bytes, MAP needs 60");
    }
    ByteBuffer bb = ByteBuffer.wrap(b);
    if (!Arrays.equals(Arrays.copyOfRange(b, 24, 36), nonce)
        || (b[36] & 0xFF) != PROTO_UDP || Short.toUnsignedInt(bb.getShort(40)) != internalPort) {
      return Decoded.err(Decoded.Failure.MISMATCH, "nonce, protocol or port");
    }
    return new Decoded.Ok<>(new MappedPort(PortMapProtocol.PCP,
        from16(Arrays.copyOfRange(b, 44, 60)), Short.toUnsignedInt(bb.getShort(42)), internalPort,
        Integer.toUnsignedLong(bb.getInt(4)), Integer.toUnsignedLong(bb.getInt(8))));
  }

  /** Return the result code of any PCP or NAT-PMP error reply from the gateway, or -1. */
  public static int resultCode(byte[] b) {
    if (b.length >= 4 && b[0] == VERSION) {
      return b[3] & 0xFF;
    }
    if (b.length >= 4 && b[0] == 0) { // NAT-PMP server answering a PCP request (RFC 6887 9)
      return ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
    }
    return -1;
  }
}
