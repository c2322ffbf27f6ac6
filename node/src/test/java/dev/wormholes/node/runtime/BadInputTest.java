package dev.wormholes.node.runtime;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.dht.DhtStats;
import dev.wormholes.dht.DropReason;
import dev.wormholes.node.NodeConfig;
import dev.wormholes.node.WormholesNode;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.Limits;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.ErrorCode;
import dev.wormholes.proto.wire.Packet;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.PutValue;
import dev.wormholes.proto.wire.SignedPresence;
import dev.wormholes.proto.wire.StoredValue;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile datagrams over a real UDP socket on loopback: each kind is dropped or refused and
 * counted, nothing escapes the event loop, and the node still answers a ping afterwards.
 */
class BadInputTest {
  private static final long SEED = 0x5EED_BAD1L;
  private WormholesNode node;
  private RawPeer peer;

  @BeforeEach
  void start() {
    node = WormholesNode.start(NodeConfig.builder().inMemory(true).api(null).lanDiscovery(false)
        .listen(new InetSocketAddress("127.0.3.1", 0)).ratePerSecond(1_000_000).build());
    peer = new RawPeer("127.0.3.2", node.udpAddress(), SEED);
    System.out.println("BadInputTest seed " + Long.toHexString(SEED));
  }

  @AfterEach
  void stop() {
    peer.close();
    node.close();
  }

  private DhtStats stats() {
    return node.runtime().call((e, now) -> e.stats()).join();
  }

  private long dropped(DropReason r) {
    return node.runtime().call((e, now) -> e.stats().dropped(r)).join();
  }

  private void assertStillServes() {
    Packet pong = peer.exchange(peer.ping());
    assertNotNull(pong, "no answer to a ping after bad input");
    assertTrue(pong.hasPong(), "not a pong: " + pong);
    assertEquals(0, node.runtime().counters().loopErrors.get(), "exceptions on the event loop");
  }

  @Test
  void oversizedDatagramsAreDroppedUnparsed() {
    byte[] big = new byte[Limits.MAX_DATAGRAM + 1];
    big[0] = Limits.FIRST_BYTE;
    peer.send(big);
    byte[] huge = peer.ping().toBuilder().setPadding(ByteString.copyFrom(new byte[3000])).build().toByteArray();
    assertTrue(huge.length > 2048);
    peer.send(huge);
    await().atMost(Duration.ofSeconds(5)).until(() -> node.runtime().counters().droppedOversized.get() == 2);
    assertEquals(0, stats().datagramsIn(), "an oversized datagram reached the engine");
    assertStillServes();
  }

  @Test
  void truncatedWrongMagicWrongNetworkAndEmptyAreDropped() {
    byte[] ping = peer.ping().toByteArray();
    peer.send(Arrays.copyOf(ping, ping.length / 2));
    peer.send(peer.request().setMagic(0x12345678).setPing(dev.wormholes.proto.wire.Ping.getDefaultInstance())
        .setPadding(ByteString.copyFrom(new byte[200])).build().toByteArray());
    peer.send(peer.request().setNetworkId(99).setPing(dev.wormholes.proto.wire.Ping.getDefaultInstance())
        .setPadding(ByteString.copyFrom(new byte[200])).build().toByteArray());
    peer.send(new byte[0]);
    await().atMost(Duration.ofSeconds(5)).until(() -> dropped(DropReason.WRONG_NETWORK) == 1
        && dropped(DropReason.BAD_MAGIC) == 1 && node.runtime().counters().droppedEmpty.get() == 1
        && stats().droppedTotal() >= 3);
    assertStillServes();
  }

  @Test
  void randomDatagramsAreDropped() {
    SplittableRandom r = new SplittableRandom(SEED);
    int n = 2000;
    for (int i = 0; i < n; i++) {
      byte[] junk = new byte[r.nextInt(0, 1600)];
      new Random(r.nextLong()).nextBytes(junk);
      if (junk.length > 0 && i % 2 == 0) {
        junk[0] = Limits.FIRST_BYTE; // half of them look like DHT packets at first glance
      }
      peer.send(junk);
    }
    RuntimeCounters c = node.runtime().counters();
    await().atMost(Duration.ofSeconds(10)).until(() -> c.datagramsIn.get() >= n * 9 / 10);
    // Both sides are read on the event loop, between two datagrams: read from this thread, a
    // datagram the loop has counted in but not yet dropped would make them differ.
    long[] inAndAccounted = node.runtime().call((e, now) ->
        new long[] {c.datagramsIn.get(), c.droppedBeforeEngine() + e.stats().droppedTotal()}).join();
    assertEquals(inAndAccounted[0], inAndAccounted[1], "every random datagram is dropped and counted");
    assertStillServes();
  }

  @Test
  void putWithoutTokenIsRefused() {
    Packet r = peer.exchange(peer.request().setPutValue(PutValue.newBuilder()
        .setValue(DhtValues.immutable(new byte[] {1, 2, 3}))).setPadding(ByteString.copyFrom(new byte[200])).build());
    assertNotNull(r);
    assertEquals(ErrorCode.ERROR_BAD_TOKEN, r.getError().getCode());
    assertEquals(0, node.runtime().call((e, now) -> e.store().size()).join());
    assertStillServes();
  }

  @Test
  void forgedReplayedAndExpiredRecordsAreRefused() {
    assertNotNull(peer.exchange(peer.ping()), "no token"); // learn a token first
    Identity owner = Identity.generate(new SplittableRandom(SEED));
    long wall = System.currentTimeMillis();

    // Forged: a record of owner signed by someone else.
    Identity mallory = Identity.generate(new SplittableRandom(SEED + 1));
    StoredValue honest = DhtValues.presence(owner, presence(5, wall + 600_000));
    StoredValue forged = StoredValue.newBuilder().setPresence(SignedPresence.newBuilder()
        .setPresence(honest.getPresence().getPresence())
        .setSignature(ByteString.copyFrom(mallory.sign(DhtValues.PRESENCE_DOMAIN,
            honest.getPresence().getPresence().toByteArray())))).build();
    assertEquals(ErrorCode.ERROR_INVALID_VALUE, put(forged).getError().getCode());

    // Expired.
    StoredValue expired = DhtValues.presence(owner, presence(6, wall - 1_000));
    assertEquals(ErrorCode.ERROR_INVALID_VALUE, put(expired).getError().getCode());

    // Of another network (here a private one's record offered to this public node): refused.
    Packet other = put(DhtValues.presence(owner, presence(5, wall + 600_000).toBuilder().setNetworkId(0x5eedL).build()));
    assertEquals(ErrorCode.ERROR_INVALID_VALUE, other.getError().getCode());
    assertTrue(other.getError().getMessage().contains("WRONG_NETWORK"), other.getError().getMessage());

    // Honest: accepted.
    assertTrue(put(honest).hasPutAck(), "an honest record is accepted");
    // A newer record replaces it; replaying the older one (or an even older one) is refused as stale.
    StoredValue newer = DhtValues.presence(owner, presence(7, wall + 600_000));
    assertTrue(put(newer).hasPutAck());
    assertEquals(ErrorCode.ERROR_STALE, put(honest).getError().getCode());
    assertEquals(ErrorCode.ERROR_STALE, put(DhtValues.presence(owner, presence(4, wall + 600_000))).getError().getCode());

    NodeId key = owner.id();
    StoredValue held = node.runtime().call((e, now) -> e.store().get(key)).join();
    assertEquals(newer, held, "only the newest honest record is held");
    assertTrue(stats().putsRefused() >= 5);
    assertStillServes();
  }

  private Packet put(StoredValue v) {
    Packet r = peer.exchange(peer.request().setPutValue(PutValue.newBuilder().setValue(v)).build());
    assertNotNull(r, "no answer to a PUT");
    assertNull(r.hasPutAck() && r.hasError() ? r : null);
    return r;
  }

  private static Presence presence(long seq, long expiresAt) {
    return Presence.newBuilder().setSeq(seq).setExpiresAtMs(expiresAt).build();
  }
}
