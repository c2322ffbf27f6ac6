package dev.wormholes.nat.portmap;

import dev.wormholes.nat.Networks;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * NAT-PMP (RFC 6886) client messages: request encoders and response decoders.
 *
 * <pre>
 * external address request (3.2):  version=0 | opcode=0
 * external address response (3.2): version=0 | opcode=128 | result(16) | epoch(32) | address(32)
 * map request (3.3):  version=0 | opcode=1 UDP/2 TCP | reserved(16) | internal port(16)
 *                     | suggested external port(16) | lifetime seconds(32)
 * map response (3.3): version=0 | opcode=128+op | result(16) | epoch(32) | internal port(16)
 *                     | mapped external port(16) | lifetime seconds(32)
 * </pre>
 *
 * A mapping is deleted by a map request with lifetime 0 and suggested port 0 (3.4).
 */
public final class NatPmpCodec {
  private NatPmpCodec() {}

  /** The server port on the gateway (RFC 6886 3.1). */
  public static final int SERVER_PORT = 5351;
  /** NAT-PMP's version number. */
  public static final int VERSION = 0;
  /** Opcode: external address. */
  public static final int OP_EXTERNAL_ADDRESS = 0;
  /** Opcode: map UDP. */
  public static final int OP_MAP_UDP = 1;
  /** Opcode: map TCP. */
  public static final int OP_MAP_TCP = 2;
  /** Added to the opcode in responses. */
  public static final int RESPONSE_BIT = 128;

  /** Return the 2-byte external address request. */
  public static byte[] encodeExternalAddressRequest() {
    return new byte[] {VERSION, OP_EXTERNAL_ADDRESS};
  }

  /** Return a 12-byte UDP map request; lifetime 0 with suggested port 0 deletes (3.4). */
  public static byte[] encodeMapUdpRequest(int internalPort, int suggestedExternalPort, long lifetimeSeconds) {
    return ByteBuffer.allocate(12)
        .put((byte) VERSION).put((byte) OP_MAP_UDP).putShort((short) 0)
        .putShort((short) internalPort).putShort((short) suggestedExternalPort)
        .putInt((int) lifetimeSeconds).array();
  }

  /**
   * Decode an external address response that arrived from {@code from}; refuse it unless it came
   * from {@code gateway}:5351 (3.1: "MUST silently ignore" other sources).
   */
  public static Decoded<MappedPort> decodeExternalAddressResponse(
      InetSocketAddress from, byte[] b, InetAddress gateway) {
    Decoded<MappedPort> pre = check(from, b, gateway, 12, OP_EXTERNAL_ADDRESS);
    if (pre != null) {
      return pre;
    }
    ByteBuffer bb = ByteBuffer.wrap(b);
    long epoch = Integer.toUnsignedLong(bb.getInt(4));
    byte[] ip = new byte[4];
    bb.position(8);
    bb.get(ip);
    return new Decoded.Ok<>(new MappedPort(PortMapProtocol.NAT_PMP, Networks.ofBytes(ip), 0, 0, 0, epoch));
  }

  /** Decode a UDP map response for {@code internalPort} from {@code gateway}:5351. */
  public static Decoded<MappedPort> decodeMapUdpResponse(
      InetSocketAddress from, byte[] b, InetAddress gateway, int internalPort) {
    Decoded<MappedPort> pre = check(from, b, gateway, 16, OP_MAP_UDP);
    if (pre != null) {
      return pre;
    }
    ByteBuffer bb = ByteBuffer.wrap(b);
    int in = Short.toUnsignedInt(bb.getShort(8));
    if (in != internalPort) {
      return Decoded.err(Decoded.Failure.MISMATCH, "internal port " + in + " != " + internalPort);
    }
    return new Decoded.Ok<>(new MappedPort(PortMapProtocol.NAT_PMP, null,
        Short.toUnsignedInt(bb.getShort(10)), in,
        Integer.toUnsignedLong(bb.getInt(12)), Integer.toUnsignedLong(bb.getInt(4))));
  }

  private static <T> Decoded<T> check(InetSocketAddress from, byte[] b, InetAddress gw, int len, int op) {
    if (!from.getAddress().equals(gw) || from.getPort() != SERVER_PORT) {
      return Decoded.err(Decoded.Failure.WRONG_SOURCE, String.valueOf(from));
    }
    // A result code can come in a short reply (e.g. unsupported version: 8 bytes), so check it first.
    if (b.length < 4) {
      return Decoded.err(Decoded.Failure.BAD_LENGTH, b.length + " bytes");
    }
    if (b[0] != VERSION) {
      return Decoded.err(Decoded.Failure.BAD_VERSION, "version " + (b[0] & 0xFF));
    }
    if ((b[1] & 0xFF) != RESPONSE_BIT + op) {
      return Decoded.err(Decoded.Failure.BAD_OPCODE, "opcode " + (b[1] & 0xFF));
    }
    int result = ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
    if (result != 0) {
      return new Decoded.Err<>(Decoded.Failure.REFUSED, "result code " + result, result);
    }
    if (b.length != len) {
      return Decoded.err(Decoded.Failure.BAD_LENGTH, b.length + " bytes, want " + len);
    }
    return null;
  }
}
