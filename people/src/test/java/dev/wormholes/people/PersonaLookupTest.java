package dev.wormholes.people;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.PersonaHead;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.StoredValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The lookup of a persona's devices by its id, on a fake clock, against a DHT in a map. */
class PersonaLookupTest {
  private final TestPersona alice = new TestPersona(1);
  private final Random random = new Random(9);
  private final Map<NodeId, StoredValue> dht = new HashMap<>();
  private final Map<NodeId, Presence> records = new HashMap<>();
  private final Set<NodeId> missOnce = new HashSet<>();
  private final List<NodeId> asked = new ArrayList<>();
  private long now = 1_000_000;

  // What a device publishes: its record naming the head of log, and the items of log's events.
  private void publish(Identity device, KeyLog log) {
    records.put(device.id(), record(device, LogItems.head(log.state())));
    for (int s = 0; s < log.size(); s++) {
      StoredValue v = LogItems.item(device, log, s, 0).orElseThrow();
      dht.put(DhtValues.keyOf(v).orElseThrow(), v);
    }
  }

  private static Presence record(Identity device, PersonaHead head) {
    return Presence.newBuilder().setPublicKey(ByteString.copyFrom(device.publicKey())).setPersona(head).build();
  }

  private void putList(List<NodeId> devices, long seq) {
    StoredValue v = LogItems.devicesItem(alice.state().persona(), seq, devices, 0);
    dht.put(DhtValues.keyOf(v).orElseThrow(), v);
  }

  // Alice with a second device; her first device publishes the log, the inception is under her id.
  private Identity twoDevicesTheFirstPublishing() {
    Identity first = alice.devices.get(0);
    alice.addDevice();
    dht.put(alice.state().persona().value(), LogItems.inceptionItem(alice.log));
    publish(first, alice.log);
    return first;
  }

  // Devices of a forger: records claiming head seq for alice's persona, no items.
  private List<NodeId> forged(int n, long seq) {
    List<NodeId> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Identity d = Identity.generate(random);
      byte[] digest = new byte[32];
      random.nextBytes(digest);
      records.put(d.id(), record(d, PersonaHead.newBuilder()
          .setPersona(ByteString.copyFrom(alice.state().persona().toBytes())).setSeq(seq)
          .setDigest(ByteString.copyFrom(digest)).build()));
      out.add(d.id());
    }
    return out;
  }

  // Drives the lookup as LogSync does, answering each GET from the map at once.
  private List<NodeId> run(PersonaLookup l) {
    List<NodeId> candidates = l.handleValues(Optional.ofNullable(dht.get(l.inceptionKey())),
        Optional.ofNullable(dht.get(l.listKey())));
    for (NodeId d : candidates) {
      l.handleRecord(d, Optional.ofNullable(records.get(d)));
    }
    while (l.outcome().isEmpty()) {
      List<PersonaLookup.Get> gets = l.pollGets(now);
      if (gets.isEmpty() && l.outcome().isEmpty()) {
        assertEquals(0, l.inFlight());
        assertNotEquals(Long.MAX_VALUE, l.nextWake());
        now = l.nextWake();
        continue;
      }
      for (PersonaLookup.Get g : gets) {
        asked.add(g.key());
        boolean miss = missOnce.remove(g.key());
        l.handleItem(g, miss ? Optional.empty() : Optional.ofNullable(dht.get(g.key())), now);
      }
    }
    assertEquals(l.itemGets(), asked.size());
    return l.outcome().get();
  }

  @Test
  void anHonestLookupFetchesOneLogTheHighestClaimedHeadFirst() {
    Identity first = alice.devices.get(0);
    KeyLog before = alice.log;
    Identity laptop = alice.addDevice();
    alice.addDevice();
    dht.put(alice.state().persona().value(), LogItems.inceptionItem(alice.log));
    putList(List.of(first.id(), laptop.id(), alice.devices.get(2).id()), 2);
    publish(first, before); // a stale record: the first device is behind
    publish(laptop, alice.log);
    PersonaLookup l = new PersonaLookup(alice.state().persona());
    assertEquals(List.copyOf(alice.state().devices().keySet()), run(l));
    assertEquals(1, l.fetches());
    assertEquals(3, l.itemGets()); // the laptop's items 0..2, nothing of the first device
    assertTrue(asked.stream().allMatch(k -> dht.get(k).getMutable().getPublicKey()
        .equals(ByteString.copyFrom(laptop.publicKey()))));
  }

  @Test
  void aForgedListOfTheMostDevicesClaimingTheLongestLogCostsOneLogsGetsAndTheRealLogIsStillFound() {
    Identity first = twoDevicesTheFirstPublishing();
    putList(forged(KeyLog.MAX_DEVICES, KeyLog.MAX_EVENTS - 1), 1_000);
    PersonaLookup l = new PersonaLookup(alice.state().persona());
    assertEquals(List.copyOf(alice.state().devices().keySet()), run(l));
    // The first forged log: every item once, its inception missing ends it without a retry. The
    // other forged claims need more than is left; the real, short log does not.
    assertEquals(KeyLog.MAX_EVENTS + 2, l.itemGets());
    assertEquals(2, l.fetches());
    assertEquals(1_000_000, now); // nothing waited for a retry
  }

  @Test
  void aForgerWhoSpendsTheWholeBudgetLeavesTheFirstDeviceAlone() {
    Identity first = twoDevicesTheFirstPublishing();
    List<NodeId> fake = new ArrayList<>(forged(1, KeyLog.MAX_EVENTS - 1));
    fake.addAll(forged(1, PersonaLookup.ITEM_BUDGET - KeyLog.MAX_EVENTS - 1));
    putList(fake, 1_000);
    PersonaLookup l = new PersonaLookup(alice.state().persona());
    assertEquals(List.of(first.id()), run(l));
    assertEquals(PersonaLookup.ITEM_BUDGET, l.itemGets());
    assertTrue(l.itemGets() <= PersonaLookup.ITEM_BUDGET);
  }

  @Test
  void anItemPublishedAMomentAgoIsAskedAgainOnTheClock() {
    Identity first = twoDevicesTheFirstPublishing();
    missOnce.add(LogItems.key(first.publicKey(), 1));
    PersonaLookup l = new PersonaLookup(alice.state().persona());
    assertEquals(List.copyOf(alice.state().devices().keySet()), run(l));
    assertEquals(1_000_000 + LogFetch.RETRY_MS, now);
    assertEquals(3, l.itemGets());
  }

  @Test
  void recordsOfOtherNodesOrPersonasClaimNothingAndAnUnknownPersonaHasNoDevices() {
    Identity first = alice.devices.get(0);
    dht.put(alice.state().persona().value(), LogItems.inceptionItem(alice.log));
    TestPersona bob = new TestPersona(2);
    records.put(first.id(), record(bob.devices.get(0), LogItems.head(alice.state()))); // another node's record
    PersonaLookup l = new PersonaLookup(alice.state().persona());
    assertEquals(List.of(first.id()), run(l));
    assertEquals(0, l.fetches());
    records.put(first.id(), record(first, LogItems.head(bob.state()))); // another persona's head
    assertEquals(List.of(first.id()), run(new PersonaLookup(alice.state().persona())));
    PersonaLookup unknown = new PersonaLookup(bob.state().persona());
    assertEquals(List.of(), unknown.handleValues(Optional.empty(), Optional.empty()));
    assertEquals(Optional.of(List.of()), unknown.outcome());
    assertEquals(List.of(), unknown.pollGets(now));
  }
}
