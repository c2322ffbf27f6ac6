package dev.wormholes.nat.portmap;

import static dev.wormholes.nat.portmap.NatPmpCodecTest.GW;
import static dev.wormholes.nat.portmap.NatPmpCodecTest.FROM_GW;
import static dev.wormholes.nat.portmap.NatPmpCodecTest.assertFailure;
import static dev.wormholes.nat.portmap.NatPmpCodecTest.hex;
import static dev.wormholes.nat.portmap.NatPmpCodecTest.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** PCP MAP and ANNOUNCE against golden bytes laid out as in RFC 6887 sections 7.1, 7.2, 11.1. */
class PcpCodecTest {
  static final byte[] NONCE = hex("0102030405060708090a0b0c");
  static final String RESPONSE = "02 81 00 00 00001c20 00000e10 000000000000000000000000"
      + "0102030405060708090a0b0c 11 000000 0fa0 0fa1 00000000000000000000ffffc6336411";

  @Test
  void mapRequestMatchesTheRfcLayout() {
    String want = "02 01 0000 00001c20 00000000000000000000ffff0a070002"
        + "0102030405060708090a0b0c 11 000000 0fa0 0fa0 00000000000000000000000000000000";
    assertArrayEquals(hex(want), PcpCodec.encodeMapUdp(ip("10.7.0.2"), NONCE, 4000, 4000, null, 7200));
    assertEquals(60, PcpCodec.encodeMapUdp(ip("10.7.0.2"), NONCE, 4000, 0, null, 0).length);
  }

  @Test
  void announceIsABareHeader() {
    assertArrayEquals(hex("02 00 0000 00000000 00000000000000000000ffff0a070002"),
        PcpCodec.encodeAnnounce(ip("10.7.0.2")));
  }

  @Test
  void mapResponseDecodes() {
    MappedPort m = PcpCodec.decodeMapResponse(FROM_GW, hex(RESPONSE), GW, NONCE, 4000).orThrow();
    assertEquals(ip("198.51.100.17"), m.externalAddress());
    assertEquals(4001, m.externalPort());
    assertEquals(7200, m.lifetimeSeconds());
    assertEquals(3600, m.epochSeconds());
  }

  @Test
  void badRepliesAreTypedFailures() {
    byte[] ok = hex(RESPONSE);
    assertFailure(Decoded.Failure.WRONG_SOURCE,
        PcpCodec.decodeMapResponse(new InetSocketAddress(ip("203.0.113.66"), 5351), ok, GW, NONCE, 4000));
    assertFailure(Decoded.Failure.MISMATCH,
        PcpCodec.decodeMapResponse(FROM_GW, ok, GW, hex("ffffffffffffffffffffffff"), 4000));
    assertFailure(Decoded.Failure.MISMATCH, PcpCodec.decodeMapResponse(FROM_GW, ok, GW, NONCE, 4002));
    assertFailure(Decoded.Failure.BAD_LENGTH,
        PcpCodec.decodeMapResponse(FROM_GW, java.util.Arrays.copyOf(ok, 23), GW, NONCE, 4000));
    byte[] refused = java.util.Arrays.copyOf(ok, 24);
    refused[3] = 8; // NO_RESOURCES
    assertFailure(Decoded.Failure.REFUSED, PcpCodec.decodeMapResponse(FROM_GW, refused, GW, NONCE, 4000));
    // A NAT-PMP-only gateway answers version 0, "unsupported version" (RFC 6887 9).
    assertFailure(Decoded.Failure.BAD_VERSION,
        PcpCodec.decodeMapResponse(FROM_GW, hex("0081 0001 00000e10"), GW, NONCE, 4000));
  }

  @Test
  void randomBytesNeverThrow() {
    SplittableRandom r = new SplittableRandom(42);
    for (int i = 0; i < 20_000; i++) {
      byte[] b = new byte[r.nextInt(80)];
      r.nextBytes(b);
      if (r.nextBoolean() && b.length > 1) {
        b[0] = 2;
        b[1] = (byte) 0x81;
      }
      PcpCodec.decodeMapResponse(FROM_GW, b, GW, NONCE, 4000);
      NatPmpCodec.decodeMapUdpResponse(FROM_GW, b, GW, 4000);
      NatPmpCodec.decodeExternalAddressResponse(FROM_GW, b, GW);
    }
  }
}
