package dev.wormholes.node.mainline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.mainline.Bencode;
import dev.wormholes.mainline.MutableItem;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Endpoints;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.wire.EndpointKind;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.ReachEndpoint;
import dev.wormholes.proto.wire.StoredValue;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The presence record's BEP 44 form: written, read back, and every reason a reader refuses one. */
class PresenceItemTest {
  private static final long NOW = 1_800_000_000_000L;
  private final Identity me = Identity.fromSeed(new byte[32]);

  private StoredValue record(long seq, long networkId, int endpoints) {
    Presence.Builder p = Presence.newBuilder().setSeq(seq).setExpiresAtMs(NOW + 3_600_000).setNetworkId(networkId);
    for (int i = 0; i < endpoints; i++) {
      p.addEndpoints(ReachEndpoint.newBuilder().setKind(EndpointKind.ENDPOINT_LAN)
          .setEndpoint(Endpoints.toWire(new InetSocketAddress("127.0.0.1", 7000 + i))));
    }
    return DhtValues.presence(me, p.build());
  }

  @Test
  void itemRoundTripsWithTheRecordsSeqUnderTheIdentityKey() {
    MutableItem item = PresenceItem.of(me, record(5, 0, 2)).orElseThrow();
    assertEquals(5, item.seq());
    assertTrue(item.verify());
    assertEquals(Identity.idOf(item.publicKey()), me.id());
    assertEquals("wormholes:public:v1:presence", new String(item.salt(), java.nio.charset.StandardCharsets.US_ASCII));
    Presence back = PresenceItem.read(item, me.publicKey(), NOW).orElseThrow();
    assertEquals(2, back.getEndpointsCount());
  }

  @Test
  void readerRefusesForeignKeysOtherNetworksStaleAndForgedItems() {
    MutableItem item = PresenceItem.of(me, record(5, 0, 1)).orElseThrow();
    Identity other = Identity.fromSeed(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
        21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});
    assertEquals(Optional.empty(), PresenceItem.read(item, other.publicKey(), NOW), "another key");
    assertEquals(Optional.empty(), PresenceItem.read(item, me.publicKey(), NOW + 4_000_000), "expired");
    MutableItem privateNet = MutableItem.sign(me, PresenceItem.SALT, 5,
        Bencode.bytes(record(5, 9, 1).getPresence().getPresence().toByteArray()).encode());
    assertEquals(Optional.empty(), PresenceItem.read(privateNet, me.publicKey(), NOW), "a private network's record");
    MutableItem otherSeq = MutableItem.sign(me, PresenceItem.SALT, 6, item.value());
    assertEquals(Optional.empty(), PresenceItem.read(otherSeq, me.publicKey(), NOW), "seq differs from the record's");
    byte[] sig = item.signature();
    sig[10] ^= 1;
    assertEquals(Optional.empty(), PresenceItem.read(new MutableItem(item.publicKey(), item.salt(), 5, item.value(), sig),
        me.publicKey(), NOW), "forged");
  }

  @Test
  void recordsOverBep44sLimitAreNotPublished() {
    // v is "<len>:<record>": a record of 996 bytes makes 1000 bencoded bytes, 997 makes 1001.
    assertTrue(PresenceItem.of(me, unsigned(996)).isPresent());
    assertTrue(PresenceItem.of(me, unsigned(997)).isEmpty());
  }

  // A record of exactly n bytes (its signature is irrelevant here: the item is what mainline checks).
  private StoredValue unsigned(int n) {
    Presence base = Presence.newBuilder().setPublicKey(com.google.protobuf.ByteString.copyFrom(me.publicKey()))
        .setSeq(1).setExpiresAtMs(NOW).build();
    int pad = n - base.getSerializedSize() - 3; // field 4 (endpoints), a 2-byte length, then the bytes
    ReachEndpoint filler = ReachEndpoint.newBuilder().setVia(com.google.protobuf.ByteString.copyFrom(new byte[pad - 3])).build();
    Presence p = base.toBuilder().addEndpoints(filler).build();
    assertEquals(n, p.getSerializedSize());
    return StoredValue.newBuilder().setPresence(dev.wormholes.proto.wire.SignedPresence.newBuilder()
        .setPresence(p.toByteString()).setSignature(com.google.protobuf.ByteString.copyFrom(new byte[64]))).build();
  }
}
