package dev.wormholes.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.ErrorCode;
import dev.wormholes.proto.wire.Packet;
import dev.wormholes.proto.wire.PutValue;
import dev.wormholes.proto.wire.StoredValue;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 finding 3 on one engine fed hand-made PUTs: a node stores only keys it is among the k
 * closest to, each source prefix (/24, /64) stores a bounded number of new values per hour,
 * presence records keep a reserved share of the store, a value's age travels with it, and the
 * maintenance queue is bounded.
 */
class StoreFloodTest {
  private int counter;

  @Test
  void aPutForAKeyThisNodeIsNotCloseToIsRefused() throws Exception {
    System.out.println("StoreFloodTest seed 13001");
    Fixture f = new Fixture(13_001, 60);
    InetSocketAddress from = RoutingAdmissionTest.address("198.51.100.7", 4000);
    ByteString token = f.tokenFor(f.randomId(), from);
    StoredValue far = value(f, false);
    StoredValue near = value(f, true);
    assertEquals(ErrorCode.ERROR_BAD_REQUEST, put(f, from, token, far, 0).getError().getCode());
    assertNull(f.store.get(key(far)));
    assertEquals(1, f.engine.stats().putsNotClose());
    assertTrue(put(f, from, token, near, 0).hasPutAck());
    assertNotNull(f.store.get(key(near)));
  }

  @Test
  void oneSourcePrefixStoresOnlyItsQuotaOfNewValues() throws Exception {
    System.out.println("StoreFloodTest seed 13002");
    Fixture f = new Fixture(13_002, 10, DhtConfig.builder().newValuesPerSourcePerHour(5).build());
    int stored = 0;
    for (int i = 0; i < 20; i++) {
      // Twenty addresses of one /24: the quota is the prefix's, not the address's.
      InetSocketAddress from = RoutingAdmissionTest.address("198.51.100." + (10 + i), 4000);
      if (put(f, from, f.tokenFor(f.randomId(), from), value(f, true), 0).hasPutAck()) stored++;
    }
    assertEquals(5, stored);
    assertEquals(15, f.engine.stats().putsOverQuota());
    // Another prefix still stores; so does the first one an hour later.
    InetSocketAddress other = RoutingAdmissionTest.address("203.0.113.5", 4000);
    assertTrue(put(f, other, f.tokenFor(f.randomId(), other), value(f, true), 0).hasPutAck());
    f.now += 3_600_000;
    InetSocketAddress again = RoutingAdmissionTest.address("198.51.100.99", 4000);
    assertTrue(put(f, again, f.tokenFor(f.randomId(), again), value(f, true), 0).hasPutAck());
    // An IPv6 /64 is one source however many addresses it uses.
    int v6 = 0;
    for (int i = 0; i < 10; i++) {
      InetSocketAddress from = RoutingAdmissionTest.address("2001:db8:0:1::" + Integer.toHexString(i + 1), 4000);
      if (put(f, from, f.tokenFor(f.randomId(), from), value(f, true), 0).hasPutAck()) v6++;
    }
    assertEquals(5, v6);
  }

  @Test
  void presenceRecordsKeepTheirReservedShareOfTheStore() throws Exception {
    System.out.println("StoreFloodTest seed 13003");
    Fixture f = new Fixture(13_003, 5, DhtConfig.builder().maxStoredValues(10).presenceReservePercent(20).build());
    int stored = 0;
    for (int i = 0; i < 12; i++) {
      InetSocketAddress from = RoutingAdmissionTest.address("198.51." + i + ".1", 4000);
      if (put(f, from, f.tokenFor(f.randomId(), from), value(f, true), 0).hasPutAck()) stored++;
    }
    assertEquals(8, stored, "other values stop at 80 %");
    InetSocketAddress from = RoutingAdmissionTest.address("203.0.113.5", 4000);
    StoredValue presence = DhtValues.presence(f.newIdentity(), dev.wormholes.proto.wire.Presence.newBuilder()
        .setSeq(1).setExpiresAtMs(SimNet.WALL_BASE + f.now + 600_000).build());
    assertTrue(put(f, from, f.tokenFor(f.randomId(), from), presence, 0).hasPutAck(), "a presence record still fits");
  }

  @Test
  void aHoldersRePutKeepsThePublishersTime() throws Exception {
    System.out.println("StoreFloodTest seed 13004");
    Fixture f = new Fixture(13_004, 5);
    InetSocketAddress from = RoutingAdmissionTest.address("198.51.100.7", 4000);
    ByteString token = f.tokenFor(f.randomId(), from);
    StoredValue v = value(f, true);
    long ttl = f.engine.config().valueTtlMs();
    assertTrue(put(f, from, token, v, 60 * 60_000L).hasPutAck(), "a replica an hour old");
    long[] storedAt = new long[1];
    f.store.forEach((k, val, at) -> storedAt[0] = at);
    assertEquals(SimNet.WALL_BASE + f.now - 60 * 60_000L, storedAt[0], "stored at its publisher's time");
    f.now += 30 * 60_000L;
    assertTrue(put(f, from, token, v, 90 * 60_000L).hasPutAck(), "another holder's re-put");
    f.store.forEach((k, val, at) -> storedAt[0] = at);
    assertEquals(SimNet.WALL_BASE + f.now - 90 * 60_000L, storedAt[0], "not renewed");
    assertEquals(ErrorCode.ERROR_STALE, put(f, from, token, value(f, true), ttl).getError().getCode(),
        "a value past its lifetime is refused");
  }

  @Test
  void theMaintenanceQueueIsBounded() {
    System.out.println("StoreFloodTest seed 13005");
    Fixture f = new Fixture(13_005, 30, DhtConfig.builder().maxMaintenanceQueries(1).maxMaintenanceQueue(8).build());
    for (int i = 0; i < 200; i++) {
      StoredValue v = DhtValues.immutable(("held " + i).getBytes());
      f.store.put(key(v), v, SimNet.WALL_BASE + f.now);
    }
    // One step to the replication age: every value is due at once while the one slot's lookup waits.
    f.now += f.engine.config().replicateMs() * 5 / 4 + 1;
    f.engine.handleTimeout(f.now);
    f.drainTransmits();
    assertEquals(8, f.engine.maintenanceQueued());
    assertTrue(f.engine.stats().maintenanceDropped() >= 190, f.engine.stats().toString());
    // A job already waiting is not queued twice: the next round adds nothing for the same keys.
    long dropped = f.engine.stats().maintenanceDropped();
    f.now = f.engine.pollTimeout();
    f.engine.handleTimeout(f.now);
    f.drainTransmits();
    assertTrue(f.engine.maintenanceQueued() <= 8);
    assertTrue(f.engine.stats().maintenanceDropped() - dropped < 200, "the same values again");
  }

  private StoredValue value(Fixture f, boolean close) {
    while (true) {
      StoredValue v = DhtValues.immutable(("value " + counter++).getBytes());
      NodeId key = key(v);
      List<Contact> closest = f.engine.closest(key, f.engine.config().k());
      boolean among = closest.size() < f.engine.config().k()
          || key.compareDistance(f.identity.id(), closest.get(closest.size() - 1).id()) < 0;
      if (among == close) return v;
    }
  }

  private static NodeId key(StoredValue v) {
    return DhtValues.keyOf(v).orElseThrow();
  }

  private static Packet put(Fixture f, InetSocketAddress from, ByteString token, StoredValue v, long ageMs)
      throws Exception {
    Packet req = f.request(f.randomId()).setToken(token)
        .setPutValue(PutValue.newBuilder().setValue(v).setAgeMs(ageMs)).build();
    return Fixture.responseTo(f.deliver(from, req.toByteArray()), req);
  }
}
