package dev.wormholes.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.wire.Contact;
import dev.wormholes.proto.wire.Endpoint;
import dev.wormholes.proto.wire.EndpointKind;
import dev.wormholes.proto.wire.MutableItem;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.ReachEndpoint;
import dev.wormholes.proto.wire.SignedPresence;
import dev.wormholes.proto.wire.StoredValue;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Every {@link ValueCheck} outcome of {@link DhtValues#check}, and {@link DhtValues#supersedes}. */
class DhtValuesTest {
  static final long NOW = 1_800_000_000_000L;
  static final Identity ALICE = Identity.fromSeed(seed(1));
  static final Identity MALLORY = Identity.fromSeed(seed(2));
  static final byte[] SALT = "profile".getBytes(StandardCharsets.US_ASCII);

  static byte[] seed(int b) {
    byte[] s = new byte[32];
    java.util.Arrays.fill(s, (byte) b);
    return s;
  }

  static Endpoint endpoint(int a, int b, int c, int d, int port) {
    return Endpoint.newBuilder().setIp(ByteString.copyFrom(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d}))
        .setPort(port).build();
  }

  static ReachEndpoint reach(EndpointKind kind, Endpoint e) {
    return ReachEndpoint.newBuilder().setKind(kind).setEndpoint(e).build();
  }

  /** A valid unsigned presence record of ALICE with seq, expiring in an hour. */
  static Presence.Builder presence(long seq) {
    return Presence.newBuilder()
        .setPublicKey(ByteString.copyFrom(ALICE.publicKey()))
        .setSeq(seq)
        .setExpiresAtMs(NOW + 3_600_000)
        .addEndpoints(reach(EndpointKind.ENDPOINT_LAN, endpoint(192, 168, 1, 10, 7447)))
        .addEndpoints(reach(EndpointKind.ENDPOINT_OBSERVED, endpoint(203, 0, 113, 7, 40000)));
  }

  /** Sign {@code p} as given (no limit checks), as a hostile or buggy publisher could. */
  static StoredValue signRaw(Identity signer, Presence p) {
    byte[] bytes = p.toByteArray();
    return StoredValue.newBuilder().setPresence(SignedPresence.newBuilder()
        .setPresence(ByteString.copyFrom(bytes))
        .setSignature(ByteString.copyFrom(signer.sign(DhtValues.PRESENCE_DOMAIN, bytes)))).build();
  }

  static ValueCheck check(StoredValue v) {
    return DhtValues.check(DhtValues.keyOf(v).orElse(ALICE.id()), v, NOW);
  }

  @Nested
  class Immutable {
    final StoredValue value = DhtValues.immutable("hello".getBytes(StandardCharsets.US_ASCII));

    @Test
    void okUnderItsHash() {
      NodeId key = NodeId.of(Identity.sha256("hello".getBytes(StandardCharsets.US_ASCII)));
      assertEquals(Optional.of(key), DhtValues.keyOf(value));
      assertEquals(ValueCheck.OK, DhtValues.check(key, value, NOW));
      assertEquals(ValueCheck.OK, ValueValidator.standard().check(key, value, NOW));
    }

    @Test
    void keyMismatch() {
      assertEquals(ValueCheck.KEY_MISMATCH, DhtValues.check(ALICE.id(), value, NOW));
    }

    @Test
    void tooLarge() {
      StoredValue big = StoredValue.newBuilder().setImmutable(ByteString.copyFrom(new byte[Limits.MAX_VALUE + 1])).build();
      assertEquals(ValueCheck.TOO_LARGE, check(big));
      assertEquals(ValueCheck.OK, check(DhtValues.immutable(new byte[Limits.MAX_VALUE])));
      assertThrows(IllegalArgumentException.class, () -> DhtValues.immutable(new byte[Limits.MAX_VALUE + 1]));
    }
  }

  @Nested
  class Mutable {
    final StoredValue value = DhtValues.mutable(ALICE, SALT, 7, "v1".getBytes(StandardCharsets.US_ASCII));
    final NodeId key = DhtValues.mutableKey(ALICE.publicKey(), SALT);

    StoredValue with(java.util.function.Consumer<MutableItem.Builder> change) {
      MutableItem.Builder m = value.getMutable().toBuilder();
      change.accept(m);
      return StoredValue.newBuilder().setMutable(m).build();
    }

    @Test
    void okUnderHashOfKeyAndSalt() {
      assertEquals(NodeId.of(Identity.sha256(ALICE.publicKey(), SALT)), key);
      assertEquals(Optional.of(key), DhtValues.keyOf(value));
      assertEquals(ValueCheck.OK, DhtValues.check(key, value, NOW));
      assertEquals(7, DhtValues.seq(value));
    }

    @Test
    void boundToItsNetwork() {
      // Issue 12 finding 6: mutable items carried no network id, so one replayed between networks was valid.
      StoredValue privateOne = DhtValues.mutable(ALICE, SALT, 7, "v1".getBytes(StandardCharsets.US_ASCII), 0x5eedL);
      assertEquals(ValueCheck.OK, ValueValidator.forNetwork(0x5eedL).check(key, privateOne, NOW));
      assertEquals(ValueCheck.WRONG_NETWORK, ValueValidator.forNetwork(0).check(key, privateOne, NOW));
      assertEquals(ValueCheck.WRONG_NETWORK, ValueValidator.forNetwork(0x5eedL).check(key, value, NOW));
      assertEquals(ValueCheck.OK, ValueValidator.forNetwork(0).check(key, value, NOW));
      // Rewriting the network id breaks the signature.
      StoredValue moved = StoredValue.newBuilder().setMutable(privateOne.getMutable().toBuilder().setNetworkId(0)).build();
      assertEquals(ValueCheck.BAD_SIGNATURE, ValueValidator.forNetwork(0).check(key, moved, NOW));
      StoredValue moved2 = StoredValue.newBuilder().setMutable(privateOne.getMutable().toBuilder().setNetworkId(7)).build();
      assertEquals(ValueCheck.BAD_SIGNATURE, ValueValidator.forNetwork(7).check(key, moved2, NOW));
    }

    @Test
    void keyMismatch() {
      NodeId otherSalt = DhtValues.mutableKey(ALICE.publicKey(), "other".getBytes(StandardCharsets.US_ASCII));
      assertEquals(ValueCheck.KEY_MISMATCH, DhtValues.check(otherSalt, value, NOW));
      assertEquals(ValueCheck.KEY_MISMATCH, DhtValues.check(ALICE.id(), value, NOW));
    }

    @Test
    void forgedSignatures() {
      assertEquals(ValueCheck.BAD_SIGNATURE, DhtValues.check(key, with(m -> m.setValue(ByteString.copyFromUtf8("v2"))), NOW));
      assertEquals(ValueCheck.BAD_SIGNATURE, DhtValues.check(key, with(m -> m.setSeq(8)), NOW), "seq bumped");
      // Mallory signs her own item and relabels it with Alice's key.
      StoredValue mallorys = DhtValues.mutable(MALLORY, SALT, 7, "v1".getBytes(StandardCharsets.US_ASCII));
      assertEquals(ValueCheck.BAD_SIGNATURE, DhtValues.check(key, with(m -> m.setSignature(mallorys.getMutable().getSignature())), NOW));
      // A presence signature over the same bytes does not verify as a mutable item (domains differ).
      byte[] signed = DhtValues.mutableSignedBytes(SALT, 7, "v1".getBytes(StandardCharsets.US_ASCII), 0);
      ByteString wrongDomain = ByteString.copyFrom(ALICE.sign(DhtValues.PRESENCE_DOMAIN, signed));
      assertEquals(ValueCheck.BAD_SIGNATURE, DhtValues.check(key, with(m -> m.setSignature(wrongDomain)), NOW));
    }

    @Test
    void tooLarge() {
      assertEquals(ValueCheck.TOO_LARGE, DhtValues.check(key, with(m -> m.setValue(ByteString.copyFrom(new byte[Limits.MAX_VALUE + 1]))), NOW));
      assertEquals(ValueCheck.TOO_LARGE, DhtValues.check(key, with(m -> m.setSalt(ByteString.copyFrom(new byte[Limits.MAX_SALT + 1]))), NOW));
      StoredValue max = DhtValues.mutable(ALICE, new byte[Limits.MAX_SALT], 1, new byte[Limits.MAX_VALUE]);
      assertEquals(ValueCheck.OK, check(max));
      assertThrows(IllegalArgumentException.class, () -> DhtValues.mutable(ALICE, SALT, 1, new byte[Limits.MAX_VALUE + 1]));
      assertThrows(IllegalArgumentException.class, () -> DhtValues.mutable(ALICE, new byte[Limits.MAX_SALT + 1], 1, new byte[1]));
    }

    @Test
    void malformed() {
      assertEquals(ValueCheck.MALFORMED, DhtValues.check(key, with(m -> m.setPublicKey(m.getPublicKey().substring(1))), NOW));
      assertEquals(ValueCheck.MALFORMED, DhtValues.check(key, with(m -> m.setSalt(ByteString.EMPTY)), NOW));
      assertEquals(ValueCheck.MALFORMED, DhtValues.check(key, with(m -> m.setSignature(m.getSignature().substring(1))), NOW));
      assertEquals(ValueCheck.MALFORMED, DhtValues.check(key, with(m -> m.clearSignature()), NOW));
      assertEquals(Optional.empty(), DhtValues.keyOf(with(m -> m.setSalt(ByteString.EMPTY))));
      assertThrows(IllegalArgumentException.class, () -> DhtValues.mutable(ALICE, new byte[0], 1, new byte[1]));
    }

    @Test
    void anyFlippedSignatureBitFails() {
      qt().withExamples(100).forAll(integers().between(0, Identity.SIGNATURE_BYTES * 8 - 1)).checkAssert(bit -> {
        byte[] sig = value.getMutable().getSignature().toByteArray();
        sig[bit / 8] ^= (byte) (1 << (bit % 8));
        assertEquals(ValueCheck.BAD_SIGNATURE, DhtValues.check(key, with(m -> m.setSignature(ByteString.copyFrom(sig))), NOW));
      });
    }

    @Test
    void signedItemsCheckForAnySeqAndValue() {
      qt().withExamples(50).forAll(longs().all(), Gens.bytes(0, Limits.MAX_VALUE)).checkAssert((seq, v) -> {
        StoredValue item = DhtValues.mutable(ALICE, SALT, seq, v);
        assertEquals(ValueCheck.OK, DhtValues.check(key, item, NOW));
        assertEquals(seq, DhtValues.seq(item));
      });
    }
  }

  @Nested
  class PresenceRecord {
    final StoredValue value = DhtValues.presence(ALICE, presence(3).build());

    @Test
    void okUnderNodeId() {
      assertEquals(Optional.of(ALICE.id()), DhtValues.keyOf(value));
      assertEquals(ValueCheck.OK, DhtValues.check(ALICE.id(), value, NOW));
      assertEquals(3, DhtValues.seq(value));
      assertEquals(presence(3).build(), DhtValues.parsePresence(value).orElseThrow());
    }

    @Test
    void publisherKeyIsSetBySigning() {
      StoredValue v = DhtValues.presence(ALICE, presence(3).clearPublicKey().build());
      assertEquals(ValueCheck.OK, DhtValues.check(ALICE.id(), v, NOW));
    }

    @Test
    void aNodeRefusesRecordsOfOtherNetworks() {
      StoredValue privateOne = DhtValues.presence(ALICE, presence(3).setNetworkId(0x5eedL).build());
      assertEquals(ValueCheck.OK, ValueValidator.forNetwork(0x5eedL).check(ALICE.id(), privateOne, NOW));
      assertEquals(ValueCheck.WRONG_NETWORK, ValueValidator.forNetwork(0).check(ALICE.id(), privateOne, NOW));
      assertEquals(ValueCheck.WRONG_NETWORK, ValueValidator.forNetwork(0x5eedL).check(ALICE.id(), value, NOW),
          "a public record in a private network");
      assertEquals(ValueCheck.OK, ValueValidator.forNetwork(0).check(ALICE.id(), value, NOW));
      assertEquals(ValueCheck.OK, DhtValues.check(ALICE.id(), privateOne, NOW), "no network given: any");
      // Other kinds of value carry no network.
      StoredValue immutable = DhtValues.immutable(new byte[] {1});
      assertEquals(ValueCheck.OK, ValueValidator.forNetwork(0x5eedL)
          .check(DhtValues.keyOf(immutable).orElseThrow(), immutable, NOW));
    }

    @Test
    void keyMismatch() {
      assertEquals(ValueCheck.KEY_MISMATCH, DhtValues.check(MALLORY.id(), value, NOW));
      // Mallory's valid record offered under Alice's id.
      StoredValue mallorys = DhtValues.presence(MALLORY, presence(3).build());
      assertEquals(ValueCheck.KEY_MISMATCH, DhtValues.check(ALICE.id(), mallorys, NOW));
    }

    @Test
    void forgedSignatures() {
      // Mallory claims Alice's key but can only sign with her own.
      assertEquals(ValueCheck.BAD_SIGNATURE, check(signRaw(MALLORY, presence(3).build())));
      // Alice's signature on a record whose bytes were changed afterwards (seq bumped).
      SignedPresence sp = value.getPresence().toBuilder()
          .setPresence(presence(4).build().toByteString()).build();
      assertEquals(ValueCheck.BAD_SIGNATURE, check(StoredValue.newBuilder().setPresence(sp).build()));
      // Alice's signature over the same bytes under the mutable-item domain.
      byte[] bytes = presence(3).build().toByteArray();
      SignedPresence other = SignedPresence.newBuilder().setPresence(ByteString.copyFrom(bytes))
          .setSignature(ByteString.copyFrom(ALICE.sign(DhtValues.MUTABLE_DOMAIN, bytes))).build();
      assertEquals(ValueCheck.BAD_SIGNATURE, check(StoredValue.newBuilder().setPresence(other).build()));
    }

    @Test
    void expired() {
      assertEquals(ValueCheck.EXPIRED, check(DhtValues.presence(ALICE, presence(3).setExpiresAtMs(NOW).build())));
      assertEquals(ValueCheck.EXPIRED, check(DhtValues.presence(ALICE, presence(3).setExpiresAtMs(NOW - 1).build())));
      assertEquals(ValueCheck.EXPIRED, check(DhtValues.presence(ALICE, presence(3).clearExpiresAtMs().build())));
      assertEquals(ValueCheck.OK, check(DhtValues.presence(ALICE, presence(3).setExpiresAtMs(NOW + 1).build())));
      assertEquals(ValueCheck.EXPIRED, DhtValues.check(ALICE.id(), value, NOW + 3_600_000), "an hour later");
    }

    @Test
    void expiryTooFar() {
      long limit = NOW + Limits.MAX_PRESENCE_LIFETIME_MS;
      assertEquals(ValueCheck.OK, check(DhtValues.presence(ALICE, presence(3).setExpiresAtMs(limit).build())));
      assertEquals(ValueCheck.EXPIRY_TOO_FAR, check(DhtValues.presence(ALICE, presence(3).setExpiresAtMs(limit + 1).build())));
      // uint64 on the wire: a "negative" long is a far-future time, not a past one.
      assertEquals(ValueCheck.EXPIRY_TOO_FAR, check(DhtValues.presence(ALICE, presence(3).setExpiresAtMs(-1L).build())));
    }

    @Test
    void tooManyEndpoints() {
      Presence.Builder many = presence(3).clearEndpoints();
      for (int i = 0; i <= Limits.MAX_ENDPOINTS; i++) {
        many.addEndpoints(reach(EndpointKind.ENDPOINT_LAN, endpoint(10, 0, 0, i + 1, 7447)));
      }
      assertEquals(ValueCheck.TOO_MANY_ENDPOINTS, check(signRaw(ALICE, many.build())));
      assertThrows(IllegalArgumentException.class, () -> DhtValues.presence(ALICE, many.build()));
      many.removeEndpoints(0);
      assertEquals(ValueCheck.OK, check(DhtValues.presence(ALICE, many.build())));

      Presence.Builder intro = presence(3);
      for (int i = 0; i <= Limits.MAX_INTRODUCERS; i++) {
        intro.addIntroducers(Contact.newBuilder().setId(ByteString.copyFrom(seed(i))).setEndpoint(endpoint(10, 0, 1, i + 1, 7447)));
      }
      assertEquals(ValueCheck.TOO_MANY_ENDPOINTS, check(signRaw(ALICE, intro.build())));
      intro.removeIntroducers(0);
      assertEquals(ValueCheck.OK, check(DhtValues.presence(ALICE, intro.build())));
    }

    @Test
    void tooLarge() {
      Presence big = presence(3).setNetworkId(1)
          .addIntroducers(Contact.newBuilder().setId(ByteString.copyFrom(seed(9))).setEndpoint(endpoint(10, 0, 0, 1, 1))
              .setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder()
                  .addField(99, com.google.protobuf.UnknownFieldSet.Field.newBuilder()
                      .addLengthDelimited(ByteString.copyFrom(new byte[Limits.MAX_PRESENCE])).build()).build()))
          .build();
      assertTrue(big.getSerializedSize() > Limits.MAX_PRESENCE);
      assertEquals(ValueCheck.TOO_LARGE, check(signRaw(ALICE, big)));
      assertThrows(IllegalArgumentException.class, () -> DhtValues.presence(ALICE, big));
    }

    @Test
    void malformed() {
      assertEquals(ValueCheck.MALFORMED, check(StoredValue.getDefaultInstance()), "no kind");
      SignedPresence garbage = SignedPresence.newBuilder().setPresence(ByteString.copyFrom(new byte[] {(byte) 0xFF, 0x01}))
          .setSignature(value.getPresence().getSignature()).build();
      assertEquals(ValueCheck.MALFORMED, DhtValues.check(ALICE.id(), StoredValue.newBuilder().setPresence(garbage).build(), NOW));
      SignedPresence shortSig = value.getPresence().toBuilder().setSignature(ByteString.copyFrom(new byte[63])).build();
      assertEquals(ValueCheck.MALFORMED, check(StoredValue.newBuilder().setPresence(shortSig).build()));
      assertEquals(ValueCheck.MALFORMED, DhtValues.check(ALICE.id(), signRaw(ALICE, presence(3).clearPublicKey().build()), NOW));
      assertEquals(Optional.empty(), DhtValues.parsePresence(StoredValue.newBuilder().setPresence(garbage).build()));
    }

    @Test
    void malformedEndpointsAreRefusedEvenWhenSigned() {
      Endpoint fiveByteIp = Endpoint.newBuilder().setIp(ByteString.copyFrom(new byte[5])).setPort(1).build();
      assertEquals(ValueCheck.MALFORMED, check(signRaw(ALICE, presence(3).addEndpoints(reach(EndpointKind.ENDPOINT_LAN, fiveByteIp)).build())));
      assertEquals(ValueCheck.MALFORMED, check(signRaw(ALICE, presence(3).addEndpoints(reach(EndpointKind.ENDPOINT_LAN, endpoint(1, 2, 3, 4, 0))).build())), "port 0");
      assertEquals(ValueCheck.MALFORMED, check(signRaw(ALICE, presence(3).addEndpoints(reach(EndpointKind.ENDPOINT_LAN, endpoint(1, 2, 3, 4, 65536))).build())), "port 65536");
      assertEquals(ValueCheck.MALFORMED, check(signRaw(ALICE, presence(3).addEndpoints(ReachEndpoint.newBuilder().setKind(EndpointKind.ENDPOINT_LAN)).build())), "no endpoint");
      ReachEndpoint badVia = reach(EndpointKind.ENDPOINT_RELAY, endpoint(1, 2, 3, 4, 5)).toBuilder().setVia(ByteString.copyFrom(new byte[31])).build();
      assertEquals(ValueCheck.MALFORMED, check(signRaw(ALICE, presence(3).addEndpoints(badVia).build())));
      ReachEndpoint goodVia = badVia.toBuilder().setVia(ByteString.copyFrom(MALLORY.id().toBytes())).build();
      assertEquals(ValueCheck.OK, check(signRaw(ALICE, presence(3).addEndpoints(goodVia).build())));
      Contact badIntro = Contact.newBuilder().setId(ByteString.copyFrom(new byte[33])).setEndpoint(endpoint(1, 2, 3, 4, 5)).build();
      assertEquals(ValueCheck.MALFORMED, check(signRaw(ALICE, presence(3).addIntroducers(badIntro).build())));
    }
  }

  @Nested
  class Supersedes {
    @Test
    void newerPresenceWinsReplayedOrEqualLoses() {
      StoredValue v3 = DhtValues.presence(ALICE, presence(3).build());
      StoredValue v4 = DhtValues.presence(ALICE, presence(4).build());
      assertTrue(DhtValues.supersedes(v4, v3));
      assertFalse(DhtValues.supersedes(v3, v4), "replayed older record");
      assertFalse(DhtValues.supersedes(v3, v3), "replayed same record");
      StoredValue v3again = DhtValues.presence(ALICE, presence(3).addEndpoints(reach(EndpointKind.ENDPOINT_MAPPED, endpoint(198, 51, 100, 1, 1))).build());
      assertFalse(DhtValues.supersedes(v3again, v3), "equal seq, different content");
    }

    @Test
    void mutableSeqComparesUnsigned() {
      StoredValue one = DhtValues.mutable(ALICE, SALT, 1, new byte[] {1});
      StoredValue high = DhtValues.mutable(ALICE, SALT, Long.MIN_VALUE, new byte[] {2}); // 2^63
      StoredValue max = DhtValues.mutable(ALICE, SALT, -1L, new byte[] {3});             // 2^64 - 1
      assertTrue(DhtValues.supersedes(high, one));
      assertFalse(DhtValues.supersedes(one, high));
      assertTrue(DhtValues.supersedes(max, high));
      assertFalse(DhtValues.supersedes(max, max));
    }

    @Test
    void unsignedSeqProperty() {
      qt().withExamples(50).forAll(longs().all(), longs().all()).checkAssert((a, b) -> {
        StoredValue va = DhtValues.mutable(ALICE, SALT, a, new byte[0]);
        StoredValue vb = DhtValues.mutable(ALICE, SALT, b, new byte[0]);
        assertEquals(Long.compareUnsigned(a, b) > 0, DhtValues.supersedes(va, vb));
        assertFalse(DhtValues.supersedes(va, vb) && DhtValues.supersedes(vb, va));
      });
    }

    @Test
    void immutableAndKindChangesNeverSupersede() {
      StoredValue imm = DhtValues.immutable(new byte[] {1});
      assertFalse(DhtValues.supersedes(imm, imm));
      assertFalse(DhtValues.supersedes(DhtValues.mutable(ALICE, SALT, 9, new byte[0]), DhtValues.presence(ALICE, presence(1).build())));
      assertFalse(DhtValues.supersedes(DhtValues.presence(ALICE, presence(9).build()), DhtValues.mutable(ALICE, SALT, 1, new byte[0])));
      assertEquals(0, DhtValues.seq(imm));
    }
  }
}
