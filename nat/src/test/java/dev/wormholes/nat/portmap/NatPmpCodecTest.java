package dev.wormholes.nat.portmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.io.BaseEncoding;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** NAT-PMP messages against golden bytes laid out as in RFC 6886 sections 3.2 and 3.3. */
class NatPmpCodecTest {
  static final InetAddress GW = ip("10.7.0.1");
  static final InetSocketAddress FROM_GW = new InetSocketAddress(GW, 5351);

  static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  static byte[] hex(String h) {
    return BaseEncoding.base16().decode(h.replace(" ", "").toUpperCase());
  }

  @Test
  void requestsMatchTheRfcLayout() {
    assertArrayEquals(hex("0000"), NatPmpCodec.encodeExternalAddressRequest());
    // version 0, opcode 1 (UDP), reserved, internal 4000, suggested 4000, lifetime 7200
    assertArrayEquals(hex("0001 0000 0fa0 0fa0 00001c20"), NatPmpCodec.encodeMapUdpRequest(4000, 4000, 7200));
    // deletion: lifetime 0 and suggested port 0 (3.4)
    assertArrayEquals(hex("0001 0000 0fa0 0000 00000000"), NatPmpCodec.encodeMapUdpRequest(4000, 0, 0));
  }

  @Test
  void responsesDecode() {
    MappedPort ext = NatPmpCodec.decodeExternalAddressResponse(FROM_GW,
        hex("0080 0000 00000e10 c6336411"), GW).orThrow();
    assertEquals(ip("198.51.100.17"), ext.externalAddress());
    assertEquals(3600, ext.epochSeconds());
    MappedPort map = NatPmpCodec.decodeMapUdpResponse(FROM_GW,
        hex("0081 0000 00000e10 0fa0 0fa1 00001c20"), GW, 4000).orThrow();
    assertEquals(4001, map.externalPort());
    assertEquals(7200, map.lifetimeSeconds());
  }

  @Test
  void badRepliesAreTypedFailures() {
    byte[] ok = hex("0081 0000 00000e10 0fa0 0fa1 00001c20");
    assertFailure(Decoded.Failure.WRONG_SOURCE,
        NatPmpCodec.decodeMapUdpResponse(new InetSocketAddress(ip("10.7.0.9"), 5351), ok, GW, 4000));
    assertFailure(Decoded.Failure.WRONG_SOURCE,
        NatPmpCodec.decodeMapUdpResponse(new InetSocketAddress(GW, 5350), ok, GW, 4000));
    assertFailure(Decoded.Failure.BAD_LENGTH, NatPmpCodec.decodeMapUdpResponse(FROM_GW, hex("0081"), GW, 4000));
    assertFailure(Decoded.Failure.BAD_LENGTH,
        NatPmpCodec.decodeMapUdpResponse(FROM_GW, hex("0081 0000 00000e10 0fa0"), GW, 4000));
    assertFailure(Decoded.Failure.BAD_VERSION,
        NatPmpCodec.decodeMapUdpResponse(FROM_GW, hex("0281 0000 00000e10 0fa0 0fa1 00001c20"), GW, 4000));
    assertFailure(Decoded.Failure.BAD_OPCODE,
        NatPmpCodec.decodeMapUdpResponse(FROM_GW, hex("0082 0000 00000e10 0fa0 0fa1 00001c20"), GW, 4000));
    assertFailure(Decoded.Failure.MISMATCH, NatPmpCodec.decodeMapUdpResponse(FROM_GW, ok, GW, 4002));
    Decoded<MappedPort> refused = NatPmpCodec.decodeMapUdpResponse(FROM_GW, hex("0081 0002 00000e10"), GW, 4000);
    assertFailure(Decoded.Failure.REFUSED, refused);
    assertEquals(2, ((Decoded.Err<MappedPort>) refused).resultCode(), "2 = not authorized");
  }

  static void assertFailure(Decoded.Failure want, Decoded<?> got) {
    assertEquals(want, ((Decoded.Err<?>) got).failure(), String.valueOf(got));
  }
}
