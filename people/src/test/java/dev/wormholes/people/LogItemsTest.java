package dev.wormholes.people;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.wire.PersonaHead;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.StoredValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The key log as DHT items and its head in presence records. */
class LogItemsTest {
  private final TestPersona alice = new TestPersona(1);

  @Test
  void aLogGoesIntoItemsUnderTheDeviceKeyAndComesBackVerified() {
    alice.addDevice();
    alice.rotate();
    Identity device = alice.devices.get(0);
    List<byte[]> back = new ArrayList<>();
    for (int seq = 0; seq < alice.log.size(); seq++) {
      StoredValue item = LogItems.item(device, alice.log, seq, 0).orElseThrow();
      assertEquals(LogItems.key(device.publicKey(), seq), DhtValues.keyOf(item).orElseThrow());
      assertTrue(DhtValues.check(LogItems.key(device.publicKey(), seq), item, 0).ok());
      back.add(LogItems.event(item, device.publicKey(), seq).orElseThrow());
      // Not the item of another seq, nor of another device.
      assertTrue(LogItems.event(item, device.publicKey(), seq + 1).isEmpty());
      assertTrue(LogItems.event(item, alice.devices.get(1).publicKey(), seq).isEmpty());
    }
    assertEquals(alice.state(), KeyLog.verify(back).orThrow().state());
    assertTrue(LogItems.event(DhtValues.immutable(new byte[] {1}), device.publicKey(), 0).isEmpty());
  }

  @Test
  void theInceptionBodyIsFoundUnderThePersonaIdAndNamesTheFirstDevice() throws Exception {
    alice.addDevice(); // later events change nothing of the inception
    StoredValue item = LogItems.inceptionItem(alice.log);
    assertEquals(alice.state().persona().value(), DhtValues.keyOf(item).orElseThrow());
    assertArrayEquals(alice.devices.get(0).publicKey(),
        LogItems.firstDeviceKey(item, alice.state().persona()).orElseThrow());
    // Another persona's inception, a mutable item, a changed body: nothing.
    TestPersona bob = new TestPersona(2);
    assertTrue(LogItems.firstDeviceKey(LogItems.inceptionItem(bob.log), alice.state().persona()).isEmpty());
    assertTrue(LogItems.firstDeviceKey(LogItems.item(alice.devices.get(0), alice.log, 0, 0).orElseThrow(),
        alice.state().persona()).isEmpty());
    byte[] body = item.getImmutable().toByteArray();
    body[body.length - 1] ^= 1;
    assertTrue(LogItems.firstDeviceKey(DhtValues.immutable(body), alice.state().persona()).isEmpty());
    // Not an inception at all, though its digest is the id asked for.
    byte[] other = LogItems.item(alice.devices.get(0), alice.log, 1, 0).orElseThrow().getMutable().getValue().toByteArray();
    StoredValue second = DhtValues.immutable(dev.wormholes.people.wire.SignedEvent.parseFrom(other).getBody().toByteArray());
    assertTrue(LogItems.firstDeviceKey(second, PersonaId.of(KeyLog.digest(other))).isEmpty());
  }

  @Test
  void everyDevicePublishesTheSameDeviceListUnderAKeyFromThePersonaId() {
    Identity laptop = alice.addDevice();
    alice.removeDevice(0); // the first device is gone: the list names the one there now
    StoredValue item = LogItems.devicesItem(alice.state(), 0);
    PersonaId persona = alice.state().persona();
    assertEquals(LogItems.devicesKey(persona), DhtValues.keyOf(item).orElseThrow());
    assertTrue(DhtValues.check(LogItems.devicesKey(persona), item, 0).ok());
    assertEquals(alice.state().seq() + 1, item.getMutable().getSeq());
    assertEquals(List.of(laptop.id()), LogItems.devicesIn(item, persona).orElseThrow());
    // The same bytes from the same log, whoever builds them (each device's re-put renews one value).
    assertEquals(item, LogItems.devicesItem(KeyLog.decode(alice.log.encode()).orThrow().state(), 0));
    // Another persona's list, an event item, a list under the right key naming another persona,
    // a device id of the wrong length: nothing.
    TestPersona bob = new TestPersona(2);
    assertTrue(LogItems.devicesIn(LogItems.devicesItem(bob.state(), 0), persona).isEmpty());
    assertTrue(LogItems.devicesIn(LogItems.item(laptop, alice.log, 0, 0).orElseThrow(), persona).isEmpty());
    Identity signer = LogItems.devicesSigner(persona);
    byte[] salt = item.getMutable().getSalt().toByteArray();
    dev.wormholes.people.wire.PersonaDevices theirs = dev.wormholes.people.wire.PersonaDevices.newBuilder()
        .setPersona(com.google.protobuf.ByteString.copyFrom(bob.state().persona().toBytes())).build();
    assertTrue(LogItems.devicesIn(DhtValues.mutable(signer, salt, 9, theirs.toByteArray(), 0), persona).isEmpty());
    dev.wormholes.people.wire.PersonaDevices shortId = theirs.toBuilder()
        .setPersona(com.google.protobuf.ByteString.copyFrom(persona.toBytes()))
        .addDevices(com.google.protobuf.ByteString.copyFrom(new byte[31])).build();
    assertTrue(LogItems.devicesIn(DhtValues.mutable(signer, salt, 9, shortId.toByteArray(), 0), persona).isEmpty());
    assertTrue(LogItems.devicesIn(DhtValues.mutable(signer, salt, 9, new byte[] {7, 7}, 0), persona).isEmpty());
  }

  @Test
  void aPresenceRecordCarriesTheHeadAndBadHeadsAreIgnored() {
    Presence p = Presence.newBuilder().setPersona(LogItems.head(alice.state())).build();
    LogItems.Seen seen = LogItems.seen(p).orElseThrow();
    assertEquals(alice.state().persona(), seen.persona());
    assertEquals(alice.state().head(), seen.head());
    assertTrue(LogItems.seen(Presence.getDefaultInstance()).isEmpty());
    PersonaHead h = LogItems.head(alice.state());
    assertTrue(LogItems.seen(p.toBuilder().setPersona(h.toBuilder().setDigest(h.getDigest().substring(1))).build()).isEmpty());
    assertTrue(LogItems.seen(p.toBuilder().setPersona(h.toBuilder().setPersona(h.getDigest().substring(2))).build()).isEmpty());
    assertTrue(LogItems.seen(p.toBuilder().setPersona(h.toBuilder().setSeq(KeyLog.MAX_EVENTS)).build()).isEmpty());
  }

  @Test
  void aHeadStandsToAHeldLog() {
    KeyLog first = alice.log;
    alice.addDevice();
    KeyLog second = alice.log;
    assertEquals(LogItems.Standing.SAME, LogItems.standing(second, second.state().head()));
    assertEquals(LogItems.Standing.OLDER, LogItems.standing(second, first.state().head()));
    assertEquals(LogItems.Standing.NEWER, LogItems.standing(first, second.state().head()));
    // Another event signed at seq 1: duplicity.
    byte[] other = Events.deviceAdd(first.state(), alice.signer, Events.device(Identity.generate(new Random(9)),
        alice.signer.publicKey()));
    KeyLog fork = first.append(other).orThrow();
    assertEquals(LogItems.Standing.CONFLICT, LogItems.standing(second, fork.state().head()));
    assertArrayEquals(fork.state().head().digest(), KeyLog.digest(other));
  }

  @Test
  void aRecoveryCodeRoundTripsAndNothingElseIsOne() {
    byte[] seed = new byte[32];
    new Random(3).nextBytes(seed);
    String code = RecoveryCode.encode(seed);
    assertArrayEquals(seed, RecoveryCode.decode(code).orElseThrow());
    assertArrayEquals(seed, RecoveryCode.decode(" " + code.toUpperCase() + "\n").orElseThrow());
    assertTrue(RecoveryCode.decode(code.substring(5)).isEmpty());
    assertTrue(RecoveryCode.decode("not a code!").isEmpty());
    assertTrue(RecoveryCode.decode("a".repeat(500)).isEmpty());
  }

  @Test
  void aDeviceLinkCarriesTheSigningKeyAndIsNotAnInvite() {
    Invite invite = new Invite(new byte[32], alice.state().persona(), alice.devices.get(0).id(),
        List.of("127.0.0.1:7000"), 1_900_000_000L);
    DeviceInvite d = new DeviceInvite(invite, alice.state().signingKey());
    String link = d.link();
    assertTrue(link.startsWith(DeviceInvite.PREFIX), link);
    assertEquals(d, DeviceInvite.parse(link).orElseThrow());
    assertTrue(Invite.parse(link).isEmpty());
    assertTrue(DeviceInvite.parse(invite.link()).isEmpty());
    assertTrue(DeviceInvite.parse(DeviceInvite.PREFIX + "!!").isEmpty());
  }
}
