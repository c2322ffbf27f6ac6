package dev.wormholes.people;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import dev.wormholes.people.wire.DeviceAdd;
import dev.wormholes.people.wire.EventBody;
import dev.wormholes.people.wire.KeyLogWire;
import dev.wormholes.people.wire.SignedEvent;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A persona's key log, verified from its inception: an immutable list of event encodings and the
 * {@link KeyState} they lead to. The only ways to get one are {@link #decode}, {@link #verify} and
 * {@link #append}, each of which checks every event, so a {@code KeyLog} is always valid.
 *
 * <p>Rules (schema: {@code people.proto}): event {@code n} has seq {@code n}, the persona id, and
 * the digest of event {@code n - 1}; the inception is signed by its own signing key and names the
 * digest of the next one and a first device; device-add and device-remove are signed by the current
 * key, device-add with the device's proof of consent; a rotation is signed by the key it reveals,
 * whose SHA-256 must equal the committed digest; an abandon (by the current or the committed next
 * key) ends the log. Peer bytes never throw: every refusal is a {@link LogFailure}.
 */
public final class KeyLog {
  /** Most events in one log. */
  public static final int MAX_EVENTS = 256;
  /** Most bytes in one event encoding. */
  public static final int MAX_EVENT_BYTES = 1024;
  /** Most bytes in one log encoding. */
  public static final int MAX_LOG_BYTES = 64 * 1024;
  /** Most devices a persona has at once. */
  public static final int MAX_DEVICES = 16;

  static final byte[] EVENT_DOMAIN = "wormholes-persona-event-v1".getBytes(StandardCharsets.US_ASCII);
  static final byte[] DEVICE_DOMAIN = "wormholes-persona-device-v1".getBytes(StandardCharsets.US_ASCII);
  private static final int KEY = Identity.PUBLIC_KEY_BYTES;
  private static final int DIGEST = 32;

  private final List<byte[]> events;
  private final KeyState state;

  private KeyLog(List<byte[]> events, KeyState state) {
    this.events = events;
    this.state = state;
  }

  /** Verify a {@code KeyLogWire} encoding from its inception. */
  public static LogResult decode(byte[] encoded) {
    if (encoded.length > MAX_LOG_BYTES) {
      return new LogResult.Invalid(LogFailure.TOO_LARGE, -1);
    }
    KeyLogWire wire;
    try {
      wire = KeyLogWire.parseFrom(encoded);
    } catch (InvalidProtocolBufferException e) {
      return new LogResult.Invalid(LogFailure.MALFORMED, -1);
    }
    if (!wire.getUnknownFields().asMap().isEmpty()) {
      return new LogResult.Invalid(LogFailure.MALFORMED, -1);
    }
    List<byte[]> events = new ArrayList<>(wire.getEventsCount());
    for (ByteString e : wire.getEventsList()) {
      events.add(e.toByteArray());
    }
    return verify(events);
  }

  /** Verify a list of event encodings from the inception. */
  public static LogResult verify(List<byte[]> events) {
    if (events.isEmpty()) {
      return new LogResult.Invalid(LogFailure.EMPTY, -1);
    }
    if (events.size() > MAX_EVENTS) {
      return new LogResult.Invalid(LogFailure.TOO_MANY_EVENTS, -1);
    }
    long bytes = 0;
    for (byte[] e : events) {
      bytes += e.length;
    }
    if (bytes > MAX_LOG_BYTES) {
      return new LogResult.Invalid(LogFailure.TOO_LARGE, -1);
    }
    KeyState state = null;
    List<byte[]> held = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      byte[] e = events.get(i).clone();
      Step step = apply(state, e, i);
      if (step.failure != null) {
        return new LogResult.Invalid(step.failure, i);
      }
      state = step.state;
      held.add(e);
    }
    return new LogResult.Valid(new KeyLog(List.copyOf(held), state));
  }

  /** Return this log with {@code event} appended, or why the event was refused. */
  public LogResult append(byte[] event) {
    if (events.size() >= MAX_EVENTS) {
      return new LogResult.Invalid(LogFailure.TOO_MANY_EVENTS, events.size());
    }
    if (encodedSize() + event.length > MAX_LOG_BYTES) {
      return new LogResult.Invalid(LogFailure.TOO_LARGE, events.size());
    }
    byte[] e = event.clone();
    Step step = apply(state, e, events.size());
    if (step.failure != null) {
      return new LogResult.Invalid(step.failure, events.size());
    }
    List<byte[]> next = new ArrayList<>(events);
    next.add(e);
    return new LogResult.Valid(new KeyLog(List.copyOf(next), step.state));
  }

  /** Return the {@code KeyLogWire} encoding. */
  public byte[] encode() {
    KeyLogWire.Builder b = KeyLogWire.newBuilder();
    for (byte[] e : events) {
      b.addEvents(ByteString.copyFrom(e));
    }
    return b.build().toByteArray();
  }

  /** Return what the log says now. */
  public KeyState state() {
    return state;
  }

  /** Return the number of events. */
  public int size() {
    return events.size();
  }

  /** Return a copy of the encoding of the event at {@code seq}. */
  public byte[] event(int seq) {
    return events.get(seq).clone();
  }

  /** Return the digest of an event encoding: SHA-256 of its body, or empty if it is not one. */
  public static byte[] digest(byte[] event) {
    try {
      return Identity.sha256(SignedEvent.parseFrom(event).getBody().toByteArray());
    } catch (InvalidProtocolBufferException e) {
      return new byte[0];
    }
  }

  private int encodedSize() {
    int n = 0;
    for (byte[] e : events) {
      n += e.length + 4;
    }
    return n;
  }

  /** The state after one event, or why it was refused. */
  private record Step(KeyState state, LogFailure failure) {
    static Step fail(LogFailure f) {
      return new Step(null, f);
    }
  }

  private static Step apply(KeyState prev, byte[] encoded, long seq) {
    if (encoded.length > MAX_EVENT_BYTES) {
      return Step.fail(LogFailure.TOO_LARGE);
    }
    SignedEvent signed;
    EventBody body;
    try {
      signed = SignedEvent.parseFrom(encoded);
      body = EventBody.parseFrom(signed.getBody());
    } catch (InvalidProtocolBufferException e) {
      return Step.fail(LogFailure.MALFORMED);
    }
    if (!Arrays.equals(signed.toByteArray(), encoded) || hasUnknownFields(body)) {
      return Step.fail(LogFailure.MALFORMED);
    }
    byte[] bodyBytes = signed.getBody().toByteArray();
    byte[] signature = signed.getSignature().toByteArray();
    byte[] digest = Identity.sha256(bodyBytes);
    if (prev == null) {
      return inception(body, bodyBytes, signature, digest, seq);
    }
    if (body.hasInception()) {
      return Step.fail(LogFailure.NOT_INCEPTION_FIRST);
    }
    if (prev.abandoned()) {
      return Step.fail(LogFailure.ABANDONED);
    }
    if (body.getSeq() != seq) {
      return Step.fail(LogFailure.SEQ_GAP);
    }
    if (!Arrays.equals(body.getPrev().toByteArray(), prev.head().digest())) {
      return Step.fail(LogFailure.WRONG_PREV);
    }
    if (!Arrays.equals(body.getPersona().toByteArray(), prev.persona().toBytes())) {
      return Step.fail(LogFailure.WRONG_PERSONA);
    }
    Next next = new Next(prev, new LogHead(seq, digest));
    return switch (body.getKindCase()) {
      case DEVICE_ADD -> deviceAdd(next, body.getDeviceAdd(), bodyBytes, signature);
      case DEVICE_REMOVE -> deviceRemove(next, body.getDeviceRemove().getDeviceId().toByteArray(),
          bodyBytes, signature);
      case ROTATE -> rotate(next, body.getRotate(), bodyBytes, signature);
      case ABANDON -> abandon(next, body.getAbandon().getRevealedNextKey().toByteArray(), bodyBytes,
          signature);
      default -> Step.fail(LogFailure.MALFORMED);
    };
  }

  private static Step inception(EventBody body, byte[] bodyBytes, byte[] signature, byte[] digest,
      long seq) {
    if (!body.hasInception()) {
      return Step.fail(LogFailure.NOT_INCEPTION_FIRST);
    }
    if (body.getSeq() != 0 || seq != 0) {
      return Step.fail(LogFailure.SEQ_GAP);
    }
    if (!body.getPrev().isEmpty() || !body.getPersona().isEmpty()) {
      return Step.fail(LogFailure.WRONG_PREV);
    }
    var inc = body.getInception();
    byte[] key = inc.getSigningKey().toByteArray();
    byte[] nextDigest = inc.getNextKeyDigest().toByteArray();
    if (key.length != KEY || nextDigest.length != DIGEST || !inc.hasFirstDevice()) {
      return Step.fail(LogFailure.BAD_KEY);
    }
    if (!Identity.verify(key, EVENT_DOMAIN, bodyBytes, signature)) {
      return Step.fail(LogFailure.BAD_SIGNATURE);
    }
    Map<NodeId, byte[]> devices = new LinkedHashMap<>();
    LogFailure f = addDevice(devices, inc.getFirstDevice(), key);
    if (f != null) {
      return Step.fail(f);
    }
    return new Step(new KeyState(PersonaId.of(digest), 0, new LogHead(0, digest), key, nextDigest,
        devices, false), null);
  }

  /** The parts of the next state every event kind shares. */
  private record Next(KeyState prev, LogHead head) {
    KeyState with(byte[] key, byte[] nextDigest, Map<NodeId, byte[]> devices, boolean abandoned) {
      return new KeyState(prev.persona(), head.seq(), head, key, nextDigest, devices, abandoned);
    }
  }

  private static Step deviceAdd(Next next, DeviceAdd add, byte[] bodyBytes, byte[] signature) {
    KeyState prev = next.prev();
    if (!Identity.verify(prev.signingKey(), EVENT_DOMAIN, bodyBytes, signature)) {
      return Step.fail(LogFailure.BAD_SIGNATURE);
    }
    Map<NodeId, byte[]> devices = new LinkedHashMap<>(prev.devices());
    LogFailure f = addDevice(devices, add, prev.signingKey());
    if (f != null) {
      return Step.fail(f);
    }
    return new Step(next.with(prev.signingKey(), prev.nextKeyDigest(), devices, false), null);
  }

  private static LogFailure addDevice(Map<NodeId, byte[]> devices, DeviceAdd add, byte[] personaKey) {
    byte[] deviceKey = add.getDeviceKey().toByteArray();
    if (deviceKey.length != KEY) {
      return LogFailure.BAD_KEY;
    }
    if (!Identity.verify(deviceKey, DEVICE_DOMAIN, personaKey, add.getDeviceProof().toByteArray())) {
      return LogFailure.BAD_DEVICE_PROOF;
    }
    NodeId id = Identity.idOf(deviceKey);
    if (devices.containsKey(id)) {
      return LogFailure.BAD_DEVICE;
    }
    if (devices.size() >= MAX_DEVICES) {
      return LogFailure.TOO_MANY_DEVICES;
    }
    devices.put(id, deviceKey);
    return null;
  }

  private static Step deviceRemove(Next next, byte[] deviceId, byte[] bodyBytes, byte[] signature) {
    KeyState prev = next.prev();
    if (!Identity.verify(prev.signingKey(), EVENT_DOMAIN, bodyBytes, signature)) {
      return Step.fail(LogFailure.BAD_SIGNATURE);
    }
    if (deviceId.length != NodeId.BYTES || !prev.devices().containsKey(NodeId.of(deviceId))) {
      return Step.fail(LogFailure.BAD_DEVICE);
    }
    Map<NodeId, byte[]> devices = new LinkedHashMap<>(prev.devices());
    devices.remove(NodeId.of(deviceId));
    return new Step(next.with(prev.signingKey(), prev.nextKeyDigest(), devices, false), null);
  }

  private static Step rotate(Next next, dev.wormholes.people.wire.Rotate rotate, byte[] bodyBytes,
      byte[] signature) {
    KeyState prev = next.prev();
    byte[] key = rotate.getNewSigningKey().toByteArray();
    byte[] nextDigest = rotate.getNextKeyDigest().toByteArray();
    if (key.length != KEY || nextDigest.length != DIGEST) {
      return Step.fail(LogFailure.BAD_KEY);
    }
    if (!Arrays.equals(Identity.sha256(key), prev.nextKeyDigest())) {
      return Step.fail(LogFailure.ROTATION_NOT_COMMITTED);
    }
    if (!Identity.verify(key, EVENT_DOMAIN, bodyBytes, signature)) {
      return Step.fail(LogFailure.BAD_SIGNATURE);
    }
    return new Step(next.with(key, nextDigest, prev.devices(), false), null);
  }

  private static Step abandon(Next next, byte[] revealed, byte[] bodyBytes, byte[] signature) {
    KeyState prev = next.prev();
    byte[] signer = prev.signingKey();
    if (revealed.length > 0) {
      if (revealed.length != KEY || !Arrays.equals(Identity.sha256(revealed), prev.nextKeyDigest())) {
        return Step.fail(LogFailure.ROTATION_NOT_COMMITTED);
      }
      signer = revealed;
    }
    if (!Identity.verify(signer, EVENT_DOMAIN, bodyBytes, signature)) {
      return Step.fail(LogFailure.BAD_SIGNATURE);
    }
    return new Step(next.with(prev.signingKey(), prev.nextKeyDigest(), prev.devices(), true), null);
  }

  private static boolean hasUnknownFields(EventBody body) {
    MessageLite kind = switch (body.getKindCase()) {
      case INCEPTION -> body.getInception();
      case DEVICE_ADD -> body.getDeviceAdd();
      case DEVICE_REMOVE -> body.getDeviceRemove();
      case ROTATE -> body.getRotate();
      case ABANDON -> body.getAbandon();
      default -> null;
    };
    boolean nested = body.hasInception()
        && !body.getInception().getFirstDevice().getUnknownFields().asMap().isEmpty();
    return !body.getUnknownFields().asMap().isEmpty() || nested
        || (kind instanceof com.google.protobuf.Message m && !m.getUnknownFields().asMap().isEmpty());
  }
}
