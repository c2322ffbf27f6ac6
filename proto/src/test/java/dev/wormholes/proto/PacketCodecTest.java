package dev.wormholes.proto;

import static dev.wormholes.proto.WireFixtures.C1;
import static dev.wormholes.proto.WireFixtures.NETWORK;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.wire.Contact;
import dev.wormholes.proto.wire.Endpoint;
import dev.wormholes.proto.wire.ErrorResponse;
import dev.wormholes.proto.wire.FindNode;
import dev.wormholes.proto.wire.GetValue;
import dev.wormholes.proto.wire.MutableItem;
import dev.wormholes.proto.wire.Nodes;
import dev.wormholes.proto.wire.Packet;
import dev.wormholes.proto.wire.Ping;
import dev.wormholes.proto.wire.PutValue;
import dev.wormholes.proto.wire.SignedPresence;
import dev.wormholes.proto.wire.StoredValue;
import dev.wormholes.proto.wire.ValueResponse;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link PacketCodec} drops every kind of bad datagram with the right reason and never throws. */
class PacketCodecTest {
  private static final List<Packet> VALID = List.of(
      WireFixtures.ping(), WireFixtures.pong(), WireFixtures.findNode(), WireFixtures.nodes(),
      WireFixtures.getValue(), WireFixtures.valueResponse(WireFixtures.presenceValue()),
      WireFixtures.putValue(), WireFixtures.putAck(), WireFixtures.error());

  static DecodeResult decode(byte[] b) {
    return PacketCodec.decode(b, NETWORK);
  }

  static DecodeResult decode(Packet p) {
    return decode(p.toByteArray()); // not encode(): it refuses some of these on purpose
  }

  static DecodeResult dropped(DropReason r) {
    return new DecodeResult.Dropped(r);
  }

  // ---- framing

  @Test
  void emptyAndNull() {
    assertEquals(dropped(DropReason.EMPTY), decode(new byte[0]));
    assertEquals(dropped(DropReason.EMPTY), decode((byte[]) null));
  }

  @Test
  void lengthIsCheckedBeforeParsing() {
    Packet atLimit = padTo(WireFixtures.ping(), Limits.MAX_DATAGRAM);
    assertEquals(Limits.MAX_DATAGRAM, atLimit.getSerializedSize());
    assertEquals(new DecodeResult.Ok(atLimit), decode(atLimit));

    byte[] over = Arrays.copyOf(atLimit.toByteArray(), Limits.MAX_DATAGRAM + 1);
    assertEquals(dropped(DropReason.TOO_LARGE), decode(over));
    assertEquals(dropped(DropReason.TOO_LARGE), decode(padTo(WireFixtures.ping(), Limits.MAX_DATAGRAM + 1)));
    assertEquals(dropped(DropReason.TOO_LARGE), decode(new byte[65_507]), "even garbage is not parsed");
  }

  @Test
  void foreignFirstByteIsNotOurs() {
    for (int first : new int[] {0x00, 0x40, 0x41, 0xC0, 0xFF, 0x0C, 0x4D}) {
      byte[] b = WireFixtures.ping().toByteArray();
      b[0] = (byte) first;
      assertEquals(dropped(DropReason.NOT_OURS), decode(b), "first byte " + first);
      assertFalse(PacketCodec.isOurs(b));
    }
    assertFalse(PacketCodec.isOurs(new byte[0]));
    assertFalse(PacketCodec.isOurs(null));
  }

  @Test
  void wrongMagic() {
    for (int i = 1; i <= 4; i++) {
      byte[] b = WireFixtures.ping().toByteArray();
      b[i] ^= 0x20;
      assertEquals(dropped(DropReason.BAD_MAGIC), decode(b), "magic byte " + i);
    }
    // A second magic field later in the datagram would override the first when parsed.
    byte[] b = WireFixtures.ping().toByteArray();
    byte[] twice = concat(b, new byte[] {0x0D, 1, 2, 3, 4});
    assertEquals(dropped(DropReason.BAD_MAGIC), decode(twice));
    assertThrows(IllegalArgumentException.class, () -> PacketCodec.encode(WireFixtures.ping().toBuilder().setMagic(1).build()));
  }

  @Test
  void wrongVersion() {
    for (int v : new int[] {0, 2, -1}) {
      assertEquals(dropped(DropReason.BAD_VERSION), decode(WireFixtures.ping().toBuilder().setVersion(v).build()));
    }
  }

  @Test
  void wrongNetwork() {
    byte[] publicPing = PacketCodec.encode(WireFixtures.ping());
    byte[] privatePing = PacketCodec.encode(WireFixtures.pingPrivatePadded());
    assertEquals(dropped(DropReason.WRONG_NETWORK), PacketCodec.decode(publicPing, WireFixtures.PRIVATE_NETWORK));
    assertEquals(dropped(DropReason.WRONG_NETWORK), PacketCodec.decode(privatePing, NETWORK));
    assertTrue(PacketCodec.decode(privatePing, WireFixtures.PRIVATE_NETWORK).isOk());
  }

  @Test
  void everyTruncationIsDropped() {
    for (Packet p : VALID) {
      byte[] full = PacketCodec.encode(p);
      assertTrue(decode(full).isOk(), p.getBodyCase().name());
      for (int n = 1; n < full.length; n++) {
        DecodeResult r = decode(Arrays.copyOf(full, n));
        assertFalse(r.isOk(), p.getBodyCase() + " cut to " + n + " bytes");
        if (n < PacketCodec.PREFIX.length) {
          assertEquals(dropped(DropReason.UNPARSEABLE), r);
        }
      }
    }
  }

  @Test
  void unparseable() {
    assertEquals(dropped(DropReason.UNPARSEABLE), decode(concat(PacketCodec.PREFIX, new byte[] {(byte) 0xFF, (byte) 0xFF})));
    // A length-delimited field claiming more bytes than there are.
    assertEquals(dropped(DropReason.UNPARSEABLE), decode(concat(PacketCodec.PREFIX, new byte[] {0x2A, 0x7F, 1, 2})));
    // Field number 0.
    assertEquals(dropped(DropReason.UNPARSEABLE), decode(concat(PacketCodec.PREFIX, new byte[] {0x00})));
    // A stray END_GROUP tag (field 100) would stop a lax parser early.
    byte[] ping = WireFixtures.ping().toByteArray();
    assertEquals(dropped(DropReason.UNPARSEABLE), decode(concat(ping, new byte[] {(byte) 0xA4, 0x06})));
    // Invalid UTF-8 in the error message string.
    byte[] err = WireFixtures.error().toByteArray();
    err[err.length - 1] = (byte) 0xFF;
    assertEquals(dropped(DropReason.UNPARSEABLE), decode(err));
  }

  @Test
  void deepNestingIsRefused() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(WireFixtures.ping().toByteArray());
    int depth = 50;
    for (int i = 0; i < depth; i++) {
      b.write(0xA3); // START_GROUP, field 100 (unknown)
      b.write(0x06);
    }
    for (int i = 0; i < depth; i++) {
      b.write(0xA4); // END_GROUP, field 100
      b.write(0x06);
    }
    assertEquals(dropped(DropReason.UNPARSEABLE), decode(b.toByteArray()));
  }

  @Test
  void unknownFieldsWithinLimitsAreKept() {
    // Forward compatibility: a newer peer's extra field does not drop the packet.
    byte[] extra = concat(WireFixtures.ping().toByteArray(), new byte[] {(byte) 0xA8, 0x06, 0x01}); // field 101 = 1
    DecodeResult r = decode(extra);
    assertTrue(r.isOk());
    assertArrayEquals(extra, ((DecodeResult.Ok) r).packet().toByteArray());
  }

  @Test
  void noBody() {
    assertEquals(dropped(DropReason.NO_BODY), decode(WireFixtures.ping().toBuilder().clearBody().build()));
    // A body field number this version does not know (25) is an unknown field: still no body.
    byte[] future = concat(WireFixtures.ping().toBuilder().clearBody().build().toByteArray(), new byte[] {(byte) 0xCA, 0x01, 0x00});
    assertEquals(dropped(DropReason.NO_BODY), decode(future));
  }

  // ---- field checks

  static Stream<Arguments> badFields() {
    ByteString id31 = ByteString.copyFrom(new byte[31]);
    ByteString id33 = ByteString.copyFrom(new byte[33]);
    Endpoint fiveByteIp = Endpoint.newBuilder().setIp(ByteString.copyFrom(new byte[5])).setPort(1).build();
    Endpoint port0 = C1.getEndpoint().toBuilder().setPort(0).build();
    Endpoint port65536 = C1.getEndpoint().toBuilder().setPort(65536).build();
    Endpoint portMaxUint = C1.getEndpoint().toBuilder().setPort(-1).build();
    Endpoint noIp = C1.getEndpoint().toBuilder().clearIp().build();
    return Stream.of(
        bad("sender id missing", WireFixtures.ping(), p -> p.clearSenderId()),
        bad("sender id 31 bytes", WireFixtures.ping(), p -> p.setSenderId(id31)),
        bad("sender id 33 bytes", WireFixtures.ping(), p -> p.setSenderId(id33)),
        bad("observed 5-byte ip", WireFixtures.pong(), p -> p.setObserved(fiveByteIp)),
        bad("observed no ip", WireFixtures.pong(), p -> p.setObserved(noIp)),
        bad("observed port 0", WireFixtures.pong(), p -> p.setObserved(port0)),
        bad("observed port 65536", WireFixtures.pong(), p -> p.setObserved(port65536)),
        bad("observed port 2^32-1", WireFixtures.pong(), p -> p.setObserved(portMaxUint)),
        bad("token 33 bytes", WireFixtures.ping(), p -> p.setToken(id33)),
        bad("padding not zero", WireFixtures.ping(), p -> p.setPadding(ByteString.copyFrom(new byte[] {0, 0, 1}))),
        bad("find_node target 31", WireFixtures.findNode(), p -> p.setFindNode(FindNode.newBuilder().setTarget(id31))),
        bad("find_node target missing", WireFixtures.findNode(), p -> p.setFindNode(FindNode.getDefaultInstance())),
        bad("get_value key 33", WireFixtures.getValue(), p -> p.setGetValue(GetValue.newBuilder().setKey(id33))),
        bad("contact id 31", WireFixtures.nodes(), p -> p.setNodes(Nodes.newBuilder().addNodes(C1.toBuilder().setId(id31)))),
        bad("contact without endpoint", WireFixtures.nodes(), p -> p.setNodes(Nodes.newBuilder().addNodes(C1.toBuilder().clearEndpoint()))),
        bad("contact 3-byte ip", WireFixtures.nodes(), p -> p.setNodes(Nodes.newBuilder().addNodes(C1.toBuilder().setEndpoint(
            Endpoint.newBuilder().setIp(ByteString.copyFrom(new byte[3])).setPort(7447))))),
        bad("contact 17-byte ip", WireFixtures.nodes(), p -> p.setNodes(Nodes.newBuilder().addNodes(C1.toBuilder().setEndpoint(
            Endpoint.newBuilder().setIp(ByteString.copyFrom(new byte[17])).setPort(7447))))),
        bad("value_response contact port 0", WireFixtures.valueResponse(null), p -> p.setValueResponse(
            ValueResponse.newBuilder().addNodes(C1.toBuilder().setEndpoint(port0)))),
        bad("error message 129 chars", WireFixtures.error(), p -> p.setError(ErrorResponse.newBuilder().setMessage("x".repeat(129)))),
        bad("put_value without value", WireFixtures.putValue(), p -> p.setPutValue(PutValue.newBuilder().setCas(1))),
        bad("put_value of no kind", WireFixtures.putValue(), p -> p.setPutValue(PutValue.newBuilder().setValue(StoredValue.getDefaultInstance()))),
        bad("immutable 1001 bytes", WireFixtures.putValue(), p -> p.setPutValue(PutValue.newBuilder().setValue(
            StoredValue.newBuilder().setImmutable(ByteString.copyFrom(new byte[Limits.MAX_VALUE + 1]))))),
        bad("mutable value 1001 bytes", WireFixtures.putValue(), p -> p.setPutValue(withMutable(m -> m.setValue(ByteString.copyFrom(new byte[Limits.MAX_VALUE + 1]))))),
        bad("mutable salt 65 bytes", WireFixtures.putValue(), p -> p.setPutValue(withMutable(m -> m.setSalt(ByteString.copyFrom(new byte[Limits.MAX_SALT + 1]))))),
        bad("mutable key 33 bytes", WireFixtures.putValue(), p -> p.setPutValue(withMutable(m -> m.setPublicKey(id33)))),
        bad("mutable signature 65 bytes", WireFixtures.putValue(), p -> p.setPutValue(withMutable(m -> m.setSignature(ByteString.copyFrom(new byte[65]))))),
        bad("presence 1001 bytes", WireFixtures.putValue(), p -> p.setPutValue(PutValue.newBuilder().setValue(StoredValue.newBuilder()
            .setPresence(SignedPresence.newBuilder().setPresence(ByteString.copyFrom(new byte[Limits.MAX_PRESENCE + 1])))))),
        bad("value_response immutable 1001 bytes", WireFixtures.valueResponse(null), p -> p.setValueResponse(ValueResponse.newBuilder()
            .setValue(StoredValue.newBuilder().setImmutable(ByteString.copyFrom(new byte[Limits.MAX_VALUE + 1]))))));
  }

  static Arguments bad(String name, Packet valid, UnaryOperator<Packet.Builder> change) {
    return Arguments.of(name, valid, change.apply(valid.toBuilder()).build());
  }

  static PutValue.Builder withMutable(UnaryOperator<MutableItem.Builder> change) {
    MutableItem m = WireFixtures.mutableValue().getMutable();
    return PutValue.newBuilder().setValue(StoredValue.newBuilder().setMutable(change.apply(m.toBuilder())));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badFields")
  void badFieldIsDropped(String name, Packet valid, Packet bad) {
    assertTrue(decode(valid).isOk(), "the unchanged packet is valid");
    assertTrue(bad.getSerializedSize() <= Limits.MAX_DATAGRAM, "the bad packet fits a datagram");
    assertEquals(dropped(DropReason.BAD_FIELD), decode(bad));
  }

  @Test
  void limitsAreInclusive() {
    Packet.Builder p = WireFixtures.nodes().toBuilder();
    Nodes.Builder twenty = Nodes.newBuilder();
    for (int i = 0; i < Limits.MAX_CONTACTS; i++) {
      twenty.addNodes(WireFixtures.contact(i, "2001:db8::" + (i + 1), 7447));
    }
    assertTrue(decode(p.setNodes(twenty).build()).isOk(), "20 IPv6 contacts");
    assertTrue(PacketCodec.fits(p.build()));
    assertTrue(decode(WireFixtures.ping().toBuilder().setToken(ByteString.copyFrom(new byte[PacketCodec.MAX_TOKEN])).build()).isOk());
    assertTrue(decode(WireFixtures.error().toBuilder().setError(ErrorResponse.newBuilder().setMessage("é".repeat(PacketCodec.MAX_ERROR_MESSAGE))).build()).isOk());
    assertTrue(decode(WireFixtures.putValue().toBuilder().setPutValue(PutValue.newBuilder()
        .setValue(DhtValues.mutable(WireFixtures.OWNER, new byte[Limits.MAX_SALT], -1L, new byte[Limits.MAX_VALUE]))).build()).isOk(),
        "the largest PUT fits the datagram limit");
    Endpoint port65535 = C1.getEndpoint().toBuilder().setPort(65535).build();
    assertTrue(decode(WireFixtures.pong().toBuilder().setObserved(port65535).build()).isOk());
  }

  @Test
  void tooManyContacts() {
    Nodes.Builder n = Nodes.newBuilder();
    ValueResponse.Builder v = ValueResponse.newBuilder();
    for (int i = 0; i <= Limits.MAX_CONTACTS; i++) {
      Contact c = WireFixtures.contact(i, "192.0.2." + (i + 1), 7447);
      n.addNodes(c);
      v.addNodes(c);
    }
    assertEquals(dropped(DropReason.TOO_MANY_CONTACTS), decode(WireFixtures.nodes().toBuilder().setNodes(n).build()));
    assertEquals(dropped(DropReason.TOO_MANY_CONTACTS), decode(WireFixtures.valueResponse(null).toBuilder().setValueResponse(v).build()));
  }

  @Test
  void encodeRefusesOversizedPackets() {
    Packet big = padTo(WireFixtures.ping(), Limits.MAX_DATAGRAM + 1);
    assertFalse(PacketCodec.fits(big));
    assertThrows(IllegalArgumentException.class, () -> PacketCodec.encode(big));
  }

  @Test
  void responseEchoesRequest() {
    Packet req = PacketCodec.request(WireFixtures.PRIVATE_NETWORK, 42, WireFixtures.NODE.id()).setPing(Ping.getDefaultInstance()).build();
    Packet resp = PacketCodec.response(req, WireFixtures.OWNER.id(), WireFixtures.OBSERVED).setPong(dev.wormholes.proto.wire.Pong.getDefaultInstance()).build();
    assertEquals(42, resp.getTxid());
    assertEquals(WireFixtures.PRIVATE_NETWORK, resp.getNetworkId());
    assertEquals(WireFixtures.OWNER.id(), PacketCodec.sender(resp));
    assertEquals(WireFixtures.OBSERVED, Endpoints.fromWire(resp.getObserved()).orElseThrow());
    assertTrue(PacketCodec.decode(PacketCodec.encode(resp), WireFixtures.PRIVATE_NETWORK).isOk());
  }

  // ---- never throws

  @Test
  void randomBytesNeverThrow() {
    qt().withExamples(3000).forAll(Gens.bytes(0, 2000)).checkAssert(b -> {
      DecodeResult r = decode(b);
      assertTrue(r.isOk() || r instanceof DecodeResult.Dropped);
    });
  }

  @Test
  void randomBytesAfterOurPrefixNeverThrow() {
    // Past the cheap checks, so the parser and the field checks see the noise.
    qt().withExamples(3000).forAll(Gens.bytes(0, 1500)).checkAssert(b -> {
      DecodeResult r = decode(concat(PacketCodec.PREFIX, b));
      if (r instanceof DecodeResult.Ok ok) {
        assertEquals(DecodeResult.Ok.class, r.getClass());
        assertEquals(NodeId.BYTES, ok.packet().getSenderId().size());
      }
    });
  }

  @Test
  void mutatedValidPacketsNeverThrow() {
    qt().withExamples(3000)
        .forAll(integers().between(0, VALID.size() - 1), integers().all(), integers().between(1, 8), Gens.bytes(8, 8))
        .checkAssert((which, pos, count, noise) -> {
          byte[] b = VALID.get(which).toByteArray();
          for (int i = 0; i < count; i++) {
            b[Math.floorMod(pos + i * 7919, b.length)] ^= noise[i];
          }
          DecodeResult r = decode(b);
          if (r instanceof DecodeResult.Ok ok) {
            Packet p = ok.packet();
            assertEquals(Limits.MAGIC, p.getMagic());
            assertEquals(NodeId.BYTES, p.getSenderId().size());
            assertTrue(p.getBodyCase() != Packet.BodyCase.BODY_NOT_SET);
          }
        });
  }

  // ---- helpers

  /** Return {@code p} with zero padding making it exactly {@code size} bytes. */
  static Packet padTo(Packet p, int size) {
    for (int pad = Math.max(0, size - p.getSerializedSize() - 3); pad <= size; pad++) {
      Packet q = p.toBuilder().setPadding(ByteString.copyFrom(new byte[pad])).build();
      if (q.getSerializedSize() == size) {
        return q;
      }
    }
    throw new AssertionError("cannot pad to " + size);
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
