package dev.wormholes.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.io.BaseEncoding;
import dev.wormholes.proto.wire.Packet;
import dev.wormholes.proto.wire.StoredValue;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden-hex wire table (Tailscale {@code disco_test.go} style): one row per {@link Packet} body
 * type, built from the fixed inputs of {@link WireFixtures}. Each row asserts that encoding gives
 * the frozen bytes and that decoding the frozen bytes gives the message back. A changed row means
 * the wire format changed: bump {@link Limits#PROTOCOL_VERSION} rather than edit the hex.
 *
 * <p>Reading a row: {@code 0d 4c4f4857} magic, {@code 1001} version 1, {@code 19 ..} network id
 * (absent for the public network, 0), {@code 21 0807060504030201} txid, {@code 2a20 ..} sender id,
 * {@code 320a ..} observed endpoint, {@code 3a10 ..} token, {@code 4001} truncated, {@code 4a ..}
 * padding, {@code 5001} read_only (requests of nodes that cannot be reached unsolicited), {@code 5a10 ..}
 * challenge, {@code 6262 ..} key proof (public key, signature), then the
 * body at field 16 ({@code 8201} ping) to 24 ({@code c201} error).
 */
class GoldenWireTest {
  private static final BaseEncoding HEX = BaseEncoding.base16().lowerCase();

  static Arguments row(String name, Packet packet, String hex) {
    return Arguments.of(name, packet, hex);
  }

  static Stream<Arguments> table() {
    return Stream.of(
        row("ping", WireFixtures.ping(),
            "0d4c4f485710012108070605040302012a2056475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107"
            + "708c820100"),
        row("ping private padded", WireFixtures.pingPrivatePadded(),
            "0d4c4f4857100119efcdab89674523012108070605040302012a2056475aa75463474c0285df5dbf2bcab73da6513588"
            + "39e9b77481b2eab107708c3a10aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa4a080000000000000000820100"),
        row("pong", WireFixtures.pong(),
            "0d4c4f485710012108070605040302012a2056475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107"
            + "708c320a0a04cb00710710c0b8023a10aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa8a0100"),
        row("ping challenge", WireFixtures.pingChallenge(),
            "0d4c4f485710012108070605040302012a2056475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107"
            + "708c5a1033333333333333333333333333333333820100"),
        row("pong proof", WireFixtures.pongProof(),
            "0d4c4f485710012108070605040302012a2024f6ed6acbfe1009c030d7ca567c33ca4830911498236b5561a6c82abec5"
            + "de28320a0a04cb00710710c0b8023a10aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa62640a2029acbae141bccaf0b22e1a94"
            + "d34d0bc7361e526d0bfe12c89794bc9322966dd712403cd1d464f65393e9ee778a10ca657e22205f844586b676c5b35b"
            + "f08124b9c47cb66c0736043001d6f797e2b6e07d008a5c3c8cb8d1f7e5ce02b9ab5ec13462068a0100"),
        row("put_value aged", WireFixtures.putValueAged(),
            "0d4c4f485710012108070605040302012a2056475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107"
            + "708c3a10aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab201180a110a0f68656c6c6f20776f726d686f6c657318c0cbc902"),
        row("find_node", WireFixtures.findNode(),
            "0d4c4f485710012108070605040302012a2056475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107"
            + "708c9201220a201111111111111111111111111111111111111111111111111111111111111111"),
        row("find_node read_only", WireFixtures.findNodeReadOnly(),
            "0d4c4f485710012108070605040302012a2056475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107"
            + "708c50019201220a201111111111111111111111111111111111111111111111111111111111111111"),
        row("ping read_only with token", WireFixtures.pingReadOnly(),
            "0d4c4f485710012108070605040302012a2056475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107"
            + "708c3a10aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa5001820100"),
        row("nodes", WireFixtures.nodes(),
            "0d4c4f485710012108070605040302012a2056475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107"
            + "708c320a0a04cb00710710c0b8023a10aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa40019a016a0a2d0a2021212121212121"
            + "2121212121212121212121212121212121212121212121212112090a04c000020110973a0a390a202222222222222222"
            + "22222222222222222222222222222222222222222222222212150a1020010db800000000000000000000000110983a"),
        row("get_value", WireFixtures.getValue(),
            "0d4c4f485710012108070605040302012a2056475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107"
            + "708ca201240a2011111111111111111111111111111111111111111111111111111111111111111005"),
        row("value_response none", WireFixtures.valueResponse(null),
            "0d4c4f485710012108070605040302012a2056475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107"
            + "708c320a0a04cb00710710c0b8023a10aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa012f122d0a20212121212121212121"
            + "212121212121212121212121212121212121212121212112090a04c000020110973a"),
        row("value_response immutable", WireFixtures.valueResponse(WireFixtures.immutableValue()),
            "0d4c4f485710012108070605040302012a2056475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107"
            + "708c320a0a04cb00710710c0b8023a10aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01420a110a0f68656c6c6f20776f72"
            + "6d686f6c6573122d0a20212121212121212121212121212121212121212121212121212121212121212112090a04c000"
            + "020110973a"),
        row("value_response mutable", WireFixtures.valueResponse(WireFixtures.mutableValue()),
            "0d4c4f485710012108070605040302012a2056475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107"
            + "708c320a0a04cb00710710c0b8023a10aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01b2010a8001127e0a2029acbae141"
            + "bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7120770726f66696c651807220d6d757461626c6520"
            + "76616c75652a4099d15a7ed2a0b1bf7cb6ae6f418a749e1a5ef020da6f72d3f590eb0d56ac777bf82a7c93f83b02d19b"
            + "c3845066e1ef853ac93b1708e3384cd771e35d776f5a05122d0a20212121212121212121212121212121212121212121"
            + "212121212121212121212112090a04c000020110973a"),
        row("value_response presence", WireFixtures.valueResponse(WireFixtures.presenceValue()),
            "0d4c4f485710012108070605040302012a2056475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107"
            + "708c320a0a04cb00710710c0b8023a10aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01bc020a8a021a87020ac2010a2029"
            + "acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd710031880a0f1c2b134220d080112090a04"
            + "c0a8010a10973a220e0802120a0a04cb00710710c0b802222f080412090a04c000020110973a1a202121212121212121"
            + "2121212121212121212121212121212121212121212121212a0a0802100418012878300132390a202222222222222222"
            + "22222222222222222222222222222222222222222222222212150a1020010db800000000000000000000000110983a12"
            + "401c01cf371e7e44698c63b2590c31d4154d168472b82db09eb4bad2f1769c82c9a29f906a843dac525c21963c091fc7"
            + "82323f49c34484da48f7d63b5a80406008122d0a20212121212121212121212121212121212121212121212121212121"
            + "212121212112090a04c000020110973a"),
        row("put_value", WireFixtures.putValue(),
            "0d4c4f485710012108070605040302012a2056475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107"
            + "708c3a10aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab20185010a8001127e0a2029acbae141bccaf0b22e1a94d34d0bc736"
            + "1e526d0bfe12c89794bc9322966dd7120770726f66696c651807220d6d757461626c652076616c75652a4099d15a7ed2"
            + "a0b1bf7cb6ae6f418a749e1a5ef020da6f72d3f590eb0d56ac777bf82a7c93f83b02d19bc3845066e1ef853ac93b1708"
            + "e3384cd771e35d776f5a051006"),
        row("put_ack", WireFixtures.putAck(),
            "0d4c4f485710012108070605040302012a2056475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107"
            + "708c320a0a04cb00710710c0b8023a10aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaba0100"),
        row("error", WireFixtures.error(),
            "0d4c4f485710012108070605040302012a2056475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107"
            + "708c320a0a04cb00710710c0b8023a10aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac201130804120f7365712033203c3d20"
            + "68656c642034"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void encodesToFrozenBytes(String name, Packet packet, String hex) {
    assertEquals(hex, HEX.encode(PacketCodec.encode(packet)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void decodesFrozenBytes(String name, Packet packet, String hex) {
    long network = packet.getNetworkId();
    assertEquals(new DecodeResult.Ok(packet), PacketCodec.decode(HEX.decode(hex), network));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void firstByteIsOursAndNotQuic(String name, Packet packet, String hex) {
    byte first = PacketCodec.encode(packet)[0];
    assertEquals(0x0D, first);
    assertEquals(Limits.FIRST_BYTE, first);
    assertEquals(0, first & 0x40, "QUIC fixed bit must be clear");
    assertTrue(PacketCodec.isOurs(HEX.decode(hex)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void signedValuesInFrozenBytesStillVerify(String name, Packet packet, String hex) {
    Packet decoded = ((DecodeResult.Ok) PacketCodec.decode(HEX.decode(hex), packet.getNetworkId())).packet();
    StoredValue v = decoded.hasPutValue() ? decoded.getPutValue().getValue()
        : decoded.hasValueResponse() && decoded.getValueResponse().hasValue() ? decoded.getValueResponse().getValue()
        : null;
    if (v != null) {
      NodeId key = DhtValues.keyOf(v).orElseThrow();
      assertEquals(ValueCheck.OK, DhtValues.check(key, v, WireFixtures.EXPIRES - 60_000));
    }
  }

  @Test
  void readOnlyFalseAddsNoBytes() {
    Packet plain = WireFixtures.findNode();
    assertEquals(HEX.encode(PacketCodec.encode(plain)),
        HEX.encode(PacketCodec.encode(plain.toBuilder().setReadOnly(false).build())));
    Packet ro = WireFixtures.findNodeReadOnly();
    assertEquals(PacketCodec.encode(plain).length + 2, PacketCodec.encode(ro).length);
    assertTrue(((DecodeResult.Ok) PacketCodec.decode(PacketCodec.encode(ro), ro.getNetworkId())).packet().getReadOnly());
  }

  @Test
  void tableCoversEveryBodyTypeAndValueKind() {
    Set<Packet.BodyCase> bodies = table().map(a -> ((Packet) a.get()[1]).getBodyCase()).collect(Collectors.toSet());
    Set<Packet.BodyCase> all = EnumSet.allOf(Packet.BodyCase.class);
    all.remove(Packet.BodyCase.BODY_NOT_SET);
    assertEquals(all, bodies);
    Set<StoredValue.KindCase> kinds = table().map(a -> (Packet) a.get()[1]).filter(Packet::hasValueResponse)
        .filter(p -> p.getValueResponse().hasValue())
        .map(p -> p.getValueResponse().getValue().getKindCase()).collect(Collectors.toSet());
    Set<StoredValue.KindCase> allKinds = EnumSet.allOf(StoredValue.KindCase.class);
    allKinds.remove(StoredValue.KindCase.KIND_NOT_SET);
    assertEquals(allKinds, kinds);
  }
}
