package dev.wormholes.people;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.people.wire.EventBody;
import dev.wormholes.people.wire.KeyLogWire;
import dev.wormholes.people.wire.SignedEvent;
import dev.wormholes.proto.Identity;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyLogTest {
  private static LogFailure failure(LogResult r) {
    return ((LogResult.Invalid) r).failure();
  }

  @Test
  void inceptionGivesPersonaIdSigningKeyAndFirstDevice() {
    TestPersona p = new TestPersona(1);
    KeyState s = p.state();
    assertEquals(0, s.seq());
    assertEquals(PersonaId.of(KeyLog.digest(p.log.event(0))), s.persona());
    assertArrayEquals(p.signer.publicKey(), s.signingKey());
    assertTrue(s.hasDevice(p.devices.get(0).id()));
    assertEquals(52, s.persona().toString().length());
    assertEquals(s, ((LogResult.Valid) KeyLog.decode(p.log.encode())).log().state());
  }

  @Test
  void devicesRotationAndAbandonAreFollowed() {
    TestPersona p = new TestPersona(2);
    Identity second = p.addDevice();
    p.removeDevice(0);
    Identity committed = p.next;
    p.rotate();
    KeyState s = p.state();
    assertEquals(3, s.seq());
    assertArrayEquals(committed.publicKey(), s.signingKey());
    assertEquals(List.of(second.id()), List.copyOf(s.devices().keySet()));
    p.append(Events.abandon(s, p.next, true));
    assertTrue(p.state().abandoned());
    assertFalse(p.state().hasDevice(second.id()));
    LogResult after = p.log.append(Events.deviceAdd(p.state(), p.signer,
        Events.device(Identity.generate(p.random), p.signer.publicKey())));
    assertEquals(LogFailure.ABANDONED, failure(after));
  }

  @Test
  void forgedEventSignedByAnotherKeyIsRefused() {
    TestPersona p = new TestPersona(3);
    Identity mallory = Identity.generate(p.random);
    byte[] forged = Events.deviceAdd(p.state(), mallory, Events.device(mallory, p.signer.publicKey()));
    assertEquals(LogFailure.BAD_SIGNATURE, failure(p.log.append(forged)));
  }

  @Test
  void deviceAddWithoutTheDevicesConsentIsRefused() {
    TestPersona p = new TestPersona(4);
    Identity victim = Identity.generate(p.random);
    Identity other = Identity.generate(p.random);
    var proof = Events.device(other, p.signer.publicKey()).toBuilder()
        .setDeviceKey(ByteString.copyFrom(victim.publicKey())).build();
    assertEquals(LogFailure.BAD_DEVICE_PROOF,
        failure(p.log.append(Events.deviceAdd(p.state(), p.signer, proof))));
    assertEquals(LogFailure.BAD_DEVICE, failure(p.log.append(Events.deviceAdd(p.state(), p.signer,
        Events.device(p.devices.get(0), p.signer.publicKey())))));
    assertEquals(LogFailure.BAD_DEVICE,
        failure(p.log.append(Events.deviceRemove(p.state(), p.signer, victim.id()))));
  }

  @Test
  void rotationByAKeyThatWasNotCommittedIsRefused() {
    TestPersona p = new TestPersona(5);
    Identity thief = Identity.generate(p.random);
    assertEquals(LogFailure.ROTATION_NOT_COMMITTED,
        failure(p.log.append(Events.rotate(p.state(), thief, new byte[32]))));
    // The current signing key cannot rotate either: only the pre-committed one can.
    assertEquals(LogFailure.ROTATION_NOT_COMMITTED,
        failure(p.log.append(Events.rotate(p.state(), p.signer, new byte[32]))));
    assertEquals(LogFailure.ROTATION_NOT_COMMITTED,
        failure(p.log.append(Events.abandon(p.state(), thief, true))));
  }

  @Test
  void wrongPrevSeqGapAndWrongPersonaAreRefused() {
    TestPersona p = new TestPersona(6);
    p.addDevice();
    KeyState s = p.state();
    EventBody good = body(Events.deviceRemove(s, p.signer, p.devices.get(1).id()));
    assertEquals(LogFailure.WRONG_PREV, failure(p.log.append(
        Events.sign(p.signer, good.toBuilder().setPrev(ByteString.copyFrom(new byte[32])).build()))));
    assertEquals(LogFailure.SEQ_GAP, failure(p.log.append(
        Events.sign(p.signer, good.toBuilder().setSeq(s.seq() + 2).build()))));
    assertEquals(LogFailure.WRONG_PERSONA, failure(p.log.append(
        Events.sign(p.signer, good.toBuilder().setPersona(ByteString.copyFrom(new byte[32])).build()))));
    TestPersona other = new TestPersona(7);
    assertEquals(LogFailure.NOT_INCEPTION_FIRST, failure(p.log.append(other.log.event(0))));
    assertEquals(LogFailure.NOT_INCEPTION_FIRST, failure(KeyLog.verify(List.of(p.log.event(1)))));
  }

  @Test
  void nonCanonicalAndUnknownFieldsAreMalformed() {
    TestPersona p = new TestPersona(8);
    SignedEvent e = signed(p.log.event(0));
    byte[] swapped = concat(
        SignedEvent.newBuilder().setSignature(e.getSignature()).build().toByteArray(),
        SignedEvent.newBuilder().setBody(e.getBody()).build().toByteArray());
    assertEquals(LogFailure.MALFORMED, failure(KeyLog.verify(List.of(swapped))));
    byte[] extra = concat(p.log.encode(), new byte[] {0x10, 0x01}); // field 2 varint: unknown
    assertEquals(LogFailure.MALFORMED, failure(KeyLog.decode(extra)));
    assertEquals(LogFailure.MALFORMED, failure(KeyLog.decode(new byte[] {(byte) 0xff, 0x01})));
    assertEquals(LogFailure.EMPTY, failure(KeyLog.decode(new byte[0])));
  }

  @Test
  void oversizedLogsAreRefused() {
    TestPersona p = new TestPersona(9);
    for (int i = 0; i < KeyLog.MAX_EVENTS - 1; i++) {
      p.rotate();
    }
    assertEquals(KeyLog.MAX_EVENTS, p.log.size());
    assertTrue(KeyLog.decode(p.log.encode()) instanceof LogResult.Valid);
    Identity after = Identity.generate(p.random);
    assertEquals(LogFailure.TOO_MANY_EVENTS,
        failure(p.log.append(Events.rotate(p.state(), p.next, Events.keyDigest(after.publicKey())))));
    List<byte[]> many = new ArrayList<>();
    for (int i = 0; i <= KeyLog.MAX_EVENTS; i++) {
      many.add(p.log.event(0));
    }
    assertEquals(LogFailure.TOO_MANY_EVENTS, failure(KeyLog.verify(many)));
    assertEquals(LogFailure.TOO_LARGE, failure(KeyLog.decode(new byte[KeyLog.MAX_LOG_BYTES + 1])));
    byte[] big = KeyLogWire.newBuilder()
        .addEvents(ByteString.copyFrom(new byte[KeyLog.MAX_EVENT_BYTES + 1])).build().toByteArray();
    assertEquals(LogFailure.TOO_LARGE, failure(KeyLog.decode(big)));
  }

  @Test
  void tooManyDevicesAreRefused() {
    TestPersona p = new TestPersona(10);
    while (p.devices.size() < KeyLog.MAX_DEVICES) {
      p.addDevice();
    }
    assertEquals(LogFailure.TOO_MANY_DEVICES, failure(p.log.append(Events.deviceAdd(p.state(),
        p.signer, Events.device(Identity.generate(p.random), p.signer.publicKey())))));
  }

  static EventBody body(byte[] event) {
    try {
      return EventBody.parseFrom(signed(event).getBody());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  static SignedEvent signed(byte[] event) {
    try {
      return SignedEvent.parseFrom(event);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
