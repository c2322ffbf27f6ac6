package dev.wormholes.people;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.wire.StoredValue;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The rules of fetching a key log from a device's items, on a fake clock. */
class LogFetchTest {
  private final TestPersona alice = new TestPersona(1);
  private long now = 1_000_000;

  private static Optional<StoredValue> item(Identity device, KeyLog log, long seq) {
    return LogItems.item(device, log, (int) seq, 0);
  }

  @Test
  void aHeadPastTheHeldLogOrConflictingWithItIsFetchedAnEarlierOrTheSameOneIsNot() {
    KeyLog first = alice.log;
    alice.addDevice();
    KeyLog second = alice.log;
    TestPersona fork = new TestPersona(1); // the same inception, another event at seq 1
    fork.rotate();
    assertTrue(LogFetch.wants(first, second.state().head()));
    assertTrue(LogFetch.wants(second, fork.state().head()));
    assertFalse(LogFetch.wants(second, second.state().head()));
    assertFalse(LogFetch.wants(second, first.state().head()));
  }

  @Test
  void aNewerHeadAsksEveryItemPastTheHeldLogAtOnceAndAdoptsTheLogTheyMake() {
    KeyLog held = alice.log;
    alice.addDevice();
    alice.rotate();
    alice.addDevice();
    Identity device = alice.devices.get(0);
    LogFetch f = new LogFetch(device.publicKey(), 3, Optional.of(held), now);
    assertEquals(List.of(1L, 2L, 3L), f.pollGets(now)); // seq 0 is held
    assertEquals(List.of(), f.pollGets(now)); // each asked once
    assertEquals(3, f.inFlight());
    assertEquals(LogItems.key(device.publicKey(), 2), f.key(2));
    f.handleItem(3, item(device, alice.log, 3), now);
    f.handleItem(1, item(device, alice.log, 1), now);
    assertTrue(f.outcome().isEmpty()); // seq 2 still out
    f.handleItem(2, item(device, alice.log, 2), now);
    assertEquals(alice.state(), f.log().orElseThrow().state());
    assertEquals(Long.MAX_VALUE, f.nextWake());
    assertEquals(List.of(), f.pollGets(now));
  }

  @Test
  void aMissingItemIsAskedAgainAfterTwoThenFourSecondsThenTheFetchGivesUp() {
    alice.addDevice();
    Identity device = alice.devices.get(0);
    LogFetch f = new LogFetch(device.publicKey(), 1, Optional.empty(), now); // a lookup: nothing held
    assertEquals(List.of(0L, 1L), f.pollGets(now));
    f.handleItem(0, item(device, alice.log, 0), now);
    f.handleItem(1, Optional.empty(), now);
    assertEquals(now + LogFetch.RETRY_MS, f.nextWake());
    assertEquals(List.of(), f.pollGets(now + LogFetch.RETRY_MS - 1));
    now += LogFetch.RETRY_MS;
    assertEquals(List.of(1L), f.pollGets(now));
    assertEquals(Long.MAX_VALUE, f.nextWake()); // nothing waits on time while the GET is out
    // Something that is not this device's item for seq 1 counts as missing too.
    f.handleItem(1, item(alice.devices.get(1), alice.log, 1), now);
    assertEquals(now + 2 * LogFetch.RETRY_MS, f.nextWake());
    now += 2 * LogFetch.RETRY_MS;
    assertEquals(List.of(1L), f.pollGets(now));
    f.handleItem(1, Optional.of(DhtValues.immutable(new byte[] {1})), now);
    assertEquals(new LogFetch.Missing(1), f.outcome().orElseThrow()); // the third try was the last
    assertEquals(List.of(), f.pollGets(now + 60_000));
    assertEquals(Long.MAX_VALUE, f.nextWake());
  }

  @Test
  void answersNobodyAskedForAreIgnored() {
    alice.addDevice();
    Identity device = alice.devices.get(0);
    LogFetch f = new LogFetch(device.publicKey(), 1, Optional.empty(), now);
    f.handleItem(0, item(device, alice.log, 0), now); // not asked yet
    f.handleItem(7, item(device, alice.log, 1), now); // past the head
    assertEquals(List.of(0L, 1L), f.pollGets(now));
    f.handleItem(0, item(device, alice.log, 0), now);
    f.handleItem(0, Optional.empty(), now); // answered already
    assertEquals(1, f.inFlight());
    f.handleItem(1, item(device, alice.log, 1), now);
    assertEquals(alice.state(), f.log().orElseThrow().state());
  }

  @Test
  void aDeviceHoldingAnotherLogThanTheHeldOneIsFetchedFromTheStart() {
    alice.addDevice();
    KeyLog held = alice.log;
    TestPersona fork = new TestPersona(1); // the same inception and first device; seq 1 differs
    fork.rotate();
    fork.addDevice();
    Identity device = fork.devices.get(0);
    LogFetch f = new LogFetch(device.publicKey(), 2, Optional.of(held), now);
    assertEquals(List.of(2L), f.pollGets(now));
    f.handleItem(2, item(device, fork.log, 2), now); // does not extend the held events
    assertTrue(f.outcome().isEmpty());
    assertEquals(List.of(0L, 1L), f.pollGets(now));
    f.handleItem(0, item(device, fork.log, 0), now);
    f.handleItem(1, item(device, fork.log, 1), now);
    assertEquals(fork.state(), f.log().orElseThrow().state()); // trust on first use judges the duplicity
  }

  @Test
  void itemsThatMakeNoValidLogAreRefused() {
    alice.addDevice();
    TestPersona bob = new TestPersona(2);
    bob.addDevice();
    Identity device = alice.devices.get(0);
    LogFetch f = new LogFetch(device.publicKey(), 1, Optional.empty(), now);
    assertEquals(List.of(0L, 1L), f.pollGets(now));
    f.handleItem(0, item(device, alice.log, 0), now);
    f.handleItem(1, item(device, bob.log, 1), now); // bob's event, under alice's device key
    LogFetch.Refused r = (LogFetch.Refused) f.outcome().orElseThrow();
    assertEquals(1, r.seq());
    assertTrue(f.log().isEmpty());
  }

  @Test
  void aClaimedHeadPastTheLogLimitAsksNoMoreThanTheLimit() {
    LogFetch f = new LogFetch(alice.devices.get(0).publicKey(), Long.MAX_VALUE, Optional.of(alice.log), now);
    List<Long> asked = f.pollGets(now);
    assertEquals(KeyLog.MAX_EVENTS - 1, asked.size());
    assertEquals(KeyLog.MAX_EVENTS - 1, asked.get(asked.size() - 1));
  }
  @Test
  void aMissingInceptionEndsTheFetchAtOnceAndOnlyAFewMissingItemsAreAskedAgain() {
    Identity device = alice.devices.get(0);
    LogFetch none = new LogFetch(device.publicKey(), 9, Optional.empty(), now); // a claimed head, no items
    assertEquals(10, none.pollGets(now).size());
    none.handleItem(3, Optional.empty(), now);
    assertTrue(none.outcome().isEmpty()); // one missing item past the inception may come
    none.handleItem(0, Optional.empty(), now);
    assertEquals(new LogFetch.Missing(0), none.outcome().orElseThrow());
    assertEquals(Long.MAX_VALUE, none.nextWake());
    assertEquals(10, none.gets());
    // Held log at seq 0, a head claimed far past it: the fifth item missing ends the fetch.
    LogFetch past = new LogFetch(device.publicKey(), 20, Optional.of(alice.log), now);
    assertEquals(20, past.pollGets(now).size());
    for (long s = 1; s <= LogFetch.RETRIED_ITEMS; s++) {
      past.handleItem(s, Optional.empty(), now);
      assertTrue(past.outcome().isEmpty());
    }
    past.handleItem(LogFetch.RETRIED_ITEMS + 1, Optional.empty(), now);
    assertEquals(new LogFetch.Missing(LogFetch.RETRIED_ITEMS + 1), past.outcome().orElseThrow());
    assertEquals(List.of(), past.pollGets(now + 60_000));
  }

  @Test
  void aFetchMakesNoMoreGetsThanItIsGiven() {
    alice.addDevice();
    alice.addDevice();
    Identity device = alice.devices.get(0);
    LogFetch f = new LogFetch(device.publicKey(), 2, Optional.empty(), now, 4);
    assertEquals(List.of(0L, 1L, 2L), f.pollGets(now));
    f.handleItem(0, item(device, alice.log, 0), now);
    f.handleItem(1, Optional.empty(), now);
    f.handleItem(2, Optional.empty(), now);
    assertTrue(f.outcome().isEmpty());
    now += LogFetch.RETRY_MS;
    assertEquals(List.of(), f.pollGets(now)); // two are due, one GET is left: no log can come of it
    assertEquals(new LogFetch.Missing(2), f.outcome().orElseThrow());
    assertEquals(3, f.gets());
    LogFetch tight = new LogFetch(device.publicKey(), 2, Optional.empty(), now, 2);
    assertEquals(List.of(), tight.pollGets(now));
    assertEquals(new LogFetch.Missing(2), tight.outcome().orElseThrow());
  }
}
