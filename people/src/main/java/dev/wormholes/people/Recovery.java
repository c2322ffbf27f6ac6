package dev.wormholes.people;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.wormholes.people.wire.LogPointer;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.MutableItem;
import dev.wormholes.proto.wire.StoredValue;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Taking a persona back on a new machine after every device is lost, with the recovery code alone
 * (the seed of the pre-committed next key), and telling contacts where it went.
 *
 * <p>Finding the log: the device that made a recovery code keeps a <em>locator</em> key derived
 * from the code's seed (one way: it reveals nothing of the next key) and publishes under it a
 * {@link Pointer} to itself, a device whose event items ({@link LogItems}) hold the log. The new
 * machine derives the same locator from the code.
 *
 * <p>Taking it back ({@link #recover}): a rotation to the committed key (which signs from then on,
 * committing to a new next key), the removal of every device the log names, and the new machine
 * as the only device. Every key a lost device held is then retired: the old signing key signs
 * nothing after the rotation, and the old devices speak for the persona no more.
 *
 * <p>Telling contacts: a device holding the current signing key publishes a <em>beacon</em>
 * pointer under a key derived from the digest the previous log committed to, signed inside by the
 * key that digest commits to. A contact whose pinned log holds that digest finds the pointer with
 * no device of the persona online, fetches the log and judges it as always ({@link Tofu}). The
 * beacon key is public (anybody holding the old log computes it), so the pointer is only a hint:
 * the inner signature and the log's own checks decide.
 *
 * <p>Pure: keys and time come from the caller; peer bytes never throw.
 */
public final class Recovery {
  private static final byte[] LOCATOR_DOMAIN = "wormholes-persona-locator-v1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] BEACON_DOMAIN = "wormholes-persona-beacon-v1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] POINTER_DOMAIN = "wormholes-persona-pointer-v1".getBytes(StandardCharsets.US_ASCII);
  /** The salt of locator and beacon items. */
  static final byte[] SALT = "wormholes:persona:v1:pointer".getBytes(StandardCharsets.US_ASCII);

  private Recovery() {}

  /** Where a persona's log is: a device publishing its events, and the head seq it published. */
  public record Pointer(PersonaId persona, byte[] deviceKey, long seq) {
    /** Copy the key. */
    public Pointer {
      deviceKey = deviceKey.clone();
    }

    @Override
    public byte[] deviceKey() {
      return deviceKey.clone();
    }

    /** Return the node id of the device. */
    public NodeId device() {
      return Identity.idOf(deviceKey);
    }
  }

  /** Why a recovery was refused. */
  public enum Refusal {
    /** The code is not the key the log committed to next (an older code, or another persona's). */
    NOT_THE_NEXT_KEY,
    /** The persona was abandoned: nothing may follow. */
    ABANDONED
  }

  /** What {@link #recover} did. */
  public sealed interface Outcome {
    /** The persona's log with the recovery appended, and those events in order. */
    record Recovered(KeyLog log, List<byte[]> events) implements Outcome {}

    /** Refused, and why. */
    record Refused(Refusal refusal) implements Outcome {}
  }

  /** Return the locator key of the recovery code whose seed is {@code nextSeed}. */
  public static Identity locator(byte[] nextSeed) {
    return Identity.fromSeed(Identity.sha256(LOCATOR_DOMAIN, nextSeed));
  }

  /** Return the DHT key of the locator item of {@code locator}. */
  public static NodeId locatorKey(Identity locator) {
    return DhtValues.mutableKey(locator.publicKey(), SALT);
  }

  /** Return the beacon key of a log that committed to the next key digest {@code nextKeyDigest}. */
  static Identity beacon(byte[] nextKeyDigest) {
    return Identity.fromSeed(Identity.sha256(BEACON_DOMAIN, nextKeyDigest));
  }

  /** Return the DHT key where a rotation after {@code pinned} leaves its beacon. */
  public static NodeId beaconKey(KeyState pinned) {
    return DhtValues.mutableKey(beacon(pinned.nextKeyDigest()).publicKey(), SALT);
  }

  /**
   * Return the locator item pointing at {@code device} as the publisher of {@code state}'s log, for
   * network {@code networkId}.
   */
  public static StoredValue locatorItem(Identity locator, KeyState state, Identity device, long networkId) {
    LogPointer p = pointer(state, device).build();
    return DhtValues.mutable(locator, SALT, state.seq() + 1, p.toByteArray(), networkId);
  }

  /**
   * Return the beacon item of {@code log} pointing at {@code device}, signed inside by {@code
   * signer}; empty unless {@code signer} holds the log's current key and that key came from a
   * rotation (the inception key was committed to by nothing, so nobody looks for its beacon).
   */
  public static Optional<StoredValue> beaconItem(KeyLog log, Identity signer, Identity device, long networkId) {
    KeyState state = log.state();
    Optional<byte[]> committed = committedDigest(log);
    if (committed.isEmpty() || !Arrays.equals(signer.publicKey(), state.signingKey())) {
      return Optional.empty();
    }
    LogPointer.Builder p = pointer(state, device).setSigningKey(ByteString.copyFrom(signer.publicKey()));
    p.setSignature(ByteString.copyFrom(signer.sign(POINTER_DOMAIN, signedBytes(state.persona(),
        device.publicKey(), state.seq()))));
    return Optional.of(DhtValues.mutable(beacon(committed.get()), SALT, state.seq() + 1,
        p.build().toByteArray(), networkId));
  }

  /** Return the pointer a locator item found under {@link #locatorKey} holds, or empty if it is not one. */
  public static Optional<Pointer> openLocator(StoredValue value, Identity locator) {
    return open(value, locator.publicKey()).map(Opened::pointer);
  }

  /**
   * Return the pointer a beacon item found under {@link #beaconKey}{@code (pinned)} holds, if its
   * inner signature is by the key {@code pinned} committed to, for {@code pinned}'s persona.
   */
  public static Optional<Pointer> openBeacon(StoredValue value, KeyState pinned) {
    byte[] digest = pinned.nextKeyDigest();
    return open(value, beacon(digest).publicKey()).filter(o -> {
      byte[] key = o.wire().getSigningKey().toByteArray();
      return o.pointer().persona().equals(pinned.persona())
          && key.length == Identity.PUBLIC_KEY_BYTES && Arrays.equals(Identity.sha256(key), digest)
          && Identity.verify(key, POINTER_DOMAIN, signedBytes(o.pointer().persona(), o.pointer().deviceKey,
              o.pointer().seq()), o.wire().getSignature().toByteArray());
    }).map(Opened::pointer);
  }

  /**
   * Append to {@code found} (the persona's log as found) the recovery by the committed key {@code
   * next}: a rotation to it committing to {@code newNextDigest}, the removal of every device, and
   * {@code device} as the only device. Return the new log and the events, or why not.
   */
  public static Outcome recover(KeyLog found, Identity next, byte[] newNextDigest, Identity device) {
    if (found.state().abandoned()) {
      return new Outcome.Refused(Refusal.ABANDONED);
    }
    if (!Arrays.equals(Events.keyDigest(next.publicKey()), found.state().nextKeyDigest())) {
      return new Outcome.Refused(Refusal.NOT_THE_NEXT_KEY);
    }
    List<byte[]> events = new ArrayList<>();
    KeyLog log = append(found, Events.rotate(found.state(), next, newNextDigest), events);
    for (NodeId old : List.copyOf(log.state().devices().keySet())) {
      if (!old.equals(device.id())) {
        log = append(log, Events.deviceRemove(log.state(), next, old), events);
      }
    }
    if (!log.state().devices().containsKey(device.id())) {
      log = append(log, Events.deviceAdd(log.state(), next, Events.device(device, next.publicKey())), events);
    }
    return new Outcome.Recovered(log, List.copyOf(events));
  }

  // Events made here from a verified state always apply; a refusal would be a bug in Events.
  private static KeyLog append(KeyLog log, byte[] event, List<byte[]> events) {
    events.add(event);
    return log.append(event).orThrow();
  }

  /**
   * The digest a log committed its current key to, if that key came from a rotation: a rotation's
   * key is the one whose SHA-256 the log committed to (the inception key was committed to nothing).
   */
  private static Optional<byte[]> committedDigest(KeyLog log) {
    KeyState inception = KeyLog.verify(List.of(log.event(0))).orThrow().state();
    return Arrays.equals(inception.signingKey(), log.state().signingKey()) ? Optional.empty()
        : Optional.of(Events.keyDigest(log.state().signingKey()));
  }

  private record Opened(Pointer pointer, LogPointer wire) {}

  private static Optional<Opened> open(StoredValue value, byte[] itemKey) {
    if (!value.hasMutable()) {
      return Optional.empty();
    }
    MutableItem m = value.getMutable();
    if (!Arrays.equals(m.getPublicKey().toByteArray(), itemKey) || !Arrays.equals(m.getSalt().toByteArray(), SALT)) {
      return Optional.empty();
    }
    LogPointer p;
    try {
      p = LogPointer.parseFrom(m.getValue());
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
    if (p.getPersona().size() != NodeId.BYTES || p.getDeviceKey().size() != Identity.PUBLIC_KEY_BYTES
        || p.getSeq() >= KeyLog.MAX_EVENTS) {
      return Optional.empty();
    }
    return Optional.of(new Opened(new Pointer(PersonaId.of(p.getPersona().toByteArray()),
        p.getDeviceKey().toByteArray(), p.getSeq()), p));
  }

  private static LogPointer.Builder pointer(KeyState state, Identity device) {
    return LogPointer.newBuilder()
        .setPersona(ByteString.copyFrom(state.persona().toBytes()))
        .setDeviceKey(ByteString.copyFrom(device.publicKey()))
        .setSeq(state.seq());
  }

  private static byte[] signedBytes(PersonaId persona, byte[] deviceKey, long seq) {
    return ByteBuffer.allocate(NodeId.BYTES + deviceKey.length + 8)
        .put(persona.toBytes()).put(deviceKey).putLong(seq).array();
  }
}
