package dev.wormholes.people;

import com.google.protobuf.ByteString;
import dev.wormholes.people.wire.Abandon;
import dev.wormholes.people.wire.DeviceAdd;
import dev.wormholes.people.wire.DeviceRemove;
import dev.wormholes.people.wire.EventBody;
import dev.wormholes.people.wire.Inception;
import dev.wormholes.people.wire.Rotate;
import dev.wormholes.people.wire.SignedEvent;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;

/**
 * The signing side of a key log: build and sign each kind of event. The keys are handed in; what
 * is built here is checked by {@link KeyLog} like anybody else's events.
 */
public final class Events {
  private Events() {}

  /** Return SHA-256 of {@code publicKey}: the commitment to a next signing key. */
  public static byte[] keyDigest(byte[] publicKey) {
    return Identity.sha256(publicKey);
  }

  /** Return {@code device}'s consent to speak for a persona whose current key is {@code personaKey}. */
  public static DeviceAdd device(Identity device, byte[] personaKey) {
    return DeviceAdd.newBuilder()
        .setDeviceKey(ByteString.copyFrom(device.publicKey()))
        .setDeviceProof(ByteString.copyFrom(device.sign(KeyLog.DEVICE_DOMAIN, personaKey)))
        .build();
  }

  /** Return the inception of a new persona signed by {@code signer}, committing to {@code nextKeyDigest}. */
  public static byte[] inception(Identity signer, byte[] nextKeyDigest, DeviceAdd firstDevice) {
    EventBody body = EventBody.newBuilder()
        .setSeq(0)
        .setInception(Inception.newBuilder()
            .setSigningKey(ByteString.copyFrom(signer.publicKey()))
            .setNextKeyDigest(ByteString.copyFrom(nextKeyDigest))
            .setFirstDevice(firstDevice))
        .build();
    return sign(signer, body);
  }

  /** Return the event after {@code state} adding a device, signed by the current key. */
  public static byte[] deviceAdd(KeyState state, Identity signer, DeviceAdd device) {
    return sign(signer, next(state).setDeviceAdd(device).build());
  }

  /** Return the event after {@code state} removing {@code device}, signed by the current key. */
  public static byte[] deviceRemove(KeyState state, Identity signer, NodeId device) {
    return sign(signer, next(state)
        .setDeviceRemove(DeviceRemove.newBuilder().setDeviceId(ByteString.copyFrom(device.toBytes())))
        .build());
  }

  /** Return the rotation after {@code state} to the pre-committed {@code next} key, committing to another. */
  public static byte[] rotate(KeyState state, Identity next, byte[] nextKeyDigest) {
    return sign(next, next(state)
        .setRotate(Rotate.newBuilder()
            .setNewSigningKey(ByteString.copyFrom(next.publicKey()))
            .setNextKeyDigest(ByteString.copyFrom(nextKeyDigest)))
        .build());
  }

  /** Return the abandon after {@code state}, by the current key or (byNextKey) the committed next key. */
  public static byte[] abandon(KeyState state, Identity signer, boolean byNextKey) {
    Abandon.Builder a = Abandon.newBuilder();
    if (byNextKey) {
      a.setRevealedNextKey(ByteString.copyFrom(signer.publicKey()));
    }
    return sign(signer, next(state).setAbandon(a).build());
  }

  private static EventBody.Builder next(KeyState state) {
    return EventBody.newBuilder()
        .setSeq(state.seq() + 1)
        .setPrev(ByteString.copyFrom(state.head().digest()))
        .setPersona(ByteString.copyFrom(state.persona().toBytes()));
  }

  /** Return the SignedEvent encoding of {@code body} signed by {@code signer}. */
  static byte[] sign(Identity signer, EventBody body) {
    byte[] bytes = body.toByteArray();
    return SignedEvent.newBuilder()
        .setBody(ByteString.copyFrom(bytes))
        .setSignature(ByteString.copyFrom(signer.sign(KeyLog.EVENT_DOMAIN, bytes)))
        .build()
        .toByteArray();
  }
}
