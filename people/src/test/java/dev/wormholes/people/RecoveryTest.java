package dev.wormholes.people;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.wire.StoredValue;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Taking a persona back with the recovery code alone, and the pointers that find its log. */
class RecoveryTest {
  private final TestPersona alice = new TestPersona(7);
  private final Identity fresh = Identity.generate(alice.random);
  private final Identity newNext = Identity.generate(alice.random);

  private Recovery.Outcome.Recovered recover(KeyLog found, Identity code) {
    return assertInstanceOf(Recovery.Outcome.Recovered.class,
        Recovery.recover(found, code, Events.keyDigest(newNext.publicKey()), fresh));
  }

  @Test
  void theCodeRotatesRetiresEveryOldDeviceAndMakesTheNewMachineTheOnlyDevice() {
    alice.addDevice();
    KeyLog pinned = alice.log; // what a contact holds
    Recovery.Outcome.Recovered r = recover(alice.log, alice.next);
    KeyState now = r.log().state();
    assertEquals(alice.state().persona(), now.persona());
    assertEquals(List.of(fresh.id()), List.copyOf(now.devices().keySet()));
    assertArrayEquals(alice.next.publicKey(), now.signingKey());
    assertArrayEquals(Events.keyDigest(newNext.publicKey()), now.nextKeyDigest());
    assertEquals(4, r.events().size()); // rotate, two removals, the new device
    for (Identity old : alice.devices) {
      assertFalse(now.hasDevice(old.id()));
    }
    // A contact holding the old log takes it as explained changes, no block.
    Tofu.Verdict v = Tofu.judgeLog(pinned, r.log());
    Tofu.Verdict.Explained e = assertInstanceOf(Tofu.Verdict.Explained.class, v);
    assertEquals(4, e.changes().size(), e.changes().toString());
    // The old signing key (which a lost device holds) signs nothing after the rotation.
    byte[] forged = Events.deviceAdd(now, alice.signer, Events.device(Identity.generate(alice.random),
        alice.signer.publicKey()));
    assertEquals(LogFailure.BAD_SIGNATURE, ((LogResult.Invalid) r.log().append(forged)).failure());
  }

  @Test
  void anOldCodeAnotherPersonasCodeOrAnAbandonedPersonaIsRefused() {
    Identity old = alice.next;
    alice.rotate();
    assertEquals(Recovery.Refusal.NOT_THE_NEXT_KEY, ((Recovery.Outcome.Refused) Recovery.recover(alice.log, old,
        Events.keyDigest(newNext.publicKey()), fresh)).refusal());
    TestPersona bob = new TestPersona(8);
    assertEquals(Recovery.Refusal.NOT_THE_NEXT_KEY, ((Recovery.Outcome.Refused) Recovery.recover(alice.log, bob.next,
        Events.keyDigest(newNext.publicKey()), fresh)).refusal());
    alice.append(Events.abandon(alice.state(), alice.signer, false));
    assertEquals(Recovery.Refusal.ABANDONED, ((Recovery.Outcome.Refused) Recovery.recover(alice.log, alice.next,
        Events.keyDigest(newNext.publicKey()), fresh)).refusal());
  }

  @Test
  void aPersonaAtItsDeviceLimitIsRecoveredTheNewDeviceAddedAfterTheRemovals() {
    while (alice.state().devices().size() < KeyLog.MAX_DEVICES) {
      alice.addDevice();
    }
    assertEquals(List.of(fresh.id()), List.copyOf(recover(alice.log, alice.next).log().state().devices().keySet()));
  }

  @Test
  void theLocatorComesFromTheCodeAloneAndPointsAtThePublishingDevice() {
    Identity device = alice.devices.get(0);
    Identity locator = Recovery.locator(alice.next.seed());
    assertEquals(Recovery.locator(alice.next.seed()).id(), locator.id()); // the same from the same code
    assertNotEquals(alice.next.id(), locator.id()); // not the next key itself
    StoredValue item = Recovery.locatorItem(locator, alice.state(), device, 0);
    assertEquals(Recovery.locatorKey(locator), DhtValues.keyOf(item).orElseThrow());
    assertTrue(DhtValues.check(Recovery.locatorKey(locator), item, 0).ok());
    Recovery.Pointer p = Recovery.openLocator(item, locator).orElseThrow();
    assertEquals(alice.state().persona(), p.persona());
    assertEquals(device.id(), p.device());
    assertEquals(0, p.seq());
    assertTrue(Recovery.openLocator(item, Recovery.locator(new byte[32])).isEmpty());
    assertTrue(Recovery.openLocator(DhtValues.immutable(new byte[] {1}), locator).isEmpty());
    StoredValue garbage = DhtValues.mutable(locator, Recovery.SALT, 1, new byte[] {9, 9, 9}, 0);
    assertTrue(Recovery.openLocator(garbage, locator).isEmpty());
  }

  @Test
  void aContactFindsTheRecoveredDevicesByTheBeaconOfItsPinnedLogAndNobodyElseCanFakeIt() throws Exception {
    KeyLog pinned = alice.log;
    KeyLog after = recover(alice.log, alice.next).log();
    // Before any rotation there is no beacon to leave.
    assertTrue(Recovery.beaconItem(pinned, alice.signer, alice.devices.get(0), 0).isEmpty());
    StoredValue beacon = Recovery.beaconItem(after, alice.next, fresh, 0).orElseThrow();
    assertEquals(Recovery.beaconKey(pinned.state()), DhtValues.keyOf(beacon).orElseThrow());
    Recovery.Pointer p = Recovery.openBeacon(beacon, pinned.state()).orElseThrow();
    assertEquals(fresh.id(), p.device());
    assertEquals(after.state().seq(), p.seq());
    // Only the holder of the current key leaves one.
    assertTrue(Recovery.beaconItem(after, alice.signer, fresh, 0).isEmpty());
    // The beacon key is public; a pointer signed by another key than the committed one is ignored.
    TestPersona mallory = new TestPersona(9);
    KeyLog forged = recover(mallory.log, mallory.next).log();
    StoredValue fake = Recovery.beaconItem(forged, mallory.next, Identity.generate(mallory.random), 0).orElseThrow();
    assertTrue(Recovery.openBeacon(fake, pinned.state()).isEmpty());
    byte[] pointer = dev.wormholes.people.wire.LogPointer.parseFrom(fake.getMutable().getValue()).toBuilder()
        .setPersona(com.google.protobuf.ByteString.copyFrom(pinned.state().persona().toBytes())).build().toByteArray();
    StoredValue planted = DhtValues.mutable(Recovery.beacon(pinned.state().nextKeyDigest()), Recovery.SALT, 99,
        pointer, 0);
    assertEquals(Recovery.beaconKey(pinned.state()), DhtValues.keyOf(planted).orElseThrow());
    assertTrue(Recovery.openBeacon(planted, pinned.state()).isEmpty());
    // Nor is it another persona's beacon, or a beacon read for a log that committed elsewhere.
    assertTrue(Recovery.openBeacon(beacon, after.state()).isEmpty());
  }
}
