package dev.wormholes.people;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.wormholes.people.wire.EventBody;
import dev.wormholes.people.wire.PersonaDevices;
import dev.wormholes.people.wire.SignedEvent;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.Limits;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.MutableItem;
import dev.wormholes.proto.wire.PersonaHead;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.StoredValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A persona's key log in the DHT, and its head in presence records. Every device of a persona
 * publishes each event of the log as a mutable item under its own node key with the salt {@code
 * wormholes:persona:v1:event:SEQ} (so anybody who has a device's presence record can compute where
 * each event is), and its presence record names the log head ({@link PersonaHead}). A reader checks
 * nothing of an item but where it came from: the events are checked by {@link KeyLog} as always.
 *
 * <p>The body of the inception is also an immutable item ({@link #inceptionItem}): its DHT key is
 * SHA-256 of the body, which is the persona id, so whoever knows only a persona id finds its first
 * device there ({@link #firstDeviceKey}) and, from that device's record and items, the log. Every
 * device also publishes the log's current device list under a key derived from the persona id
 * ({@link #devicesItem}), the same bytes from each, so that a persona whose first device is gone is
 * still found: the list is a hint anybody could overwrite; the reader believes the newest log a
 * listed device's own items hold that verifies.
 */
public final class LogItems {
  private static final String SALT = "wormholes:persona:v1:event:";
  private static final byte[] DEVICES_SALT = "wormholes:persona:v1:devices".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DEVICES_DOMAIN = "wormholes-persona-devices-v1".getBytes(StandardCharsets.US_ASCII);

  private LogItems() {}

  /** What a presence record says of its node's persona. */
  public record Seen(PersonaId persona, LogHead head) {}

  /** Return the salt of the item holding the event at {@code seq}. */
  public static byte[] salt(long seq) {
    return (SALT + seq).getBytes(StandardCharsets.US_ASCII);
  }

  /** Return the DHT key of the event at {@code seq} as the device with {@code deviceKey} publishes it. */
  public static NodeId key(byte[] deviceKey, long seq) {
    return DhtValues.mutableKey(deviceKey, salt(seq));
  }

  /**
   * Return the item of {@code log}'s event at {@code seq} signed by {@code device} for network
   * {@code networkId}, or empty if the event is larger than a DHT value may be.
   */
  public static Optional<StoredValue> item(Identity device, KeyLog log, int seq, long networkId) {
    byte[] event = log.event(seq);
    if (event.length > Limits.MAX_VALUE) {
      return Optional.empty();
    }
    return Optional.of(DhtValues.mutable(device, salt(seq), 1, event, networkId));
  }

  /**
   * Return the event an item found under {@link #key}{@code (deviceKey, seq)} holds, or empty if it
   * is not such an item (the DHT checked its signature; this checks whose and for which seq).
   */
  public static Optional<byte[]> event(StoredValue value, byte[] deviceKey, long seq) {
    if (!value.hasMutable()) {
      return Optional.empty();
    }
    MutableItem m = value.getMutable();
    if (!Arrays.equals(m.getPublicKey().toByteArray(), deviceKey)
        || !Arrays.equals(m.getSalt().toByteArray(), salt(seq))) {
      return Optional.empty();
    }
    return Optional.of(m.getValue().toByteArray());
  }

  /** Return the immutable item of {@code log}'s inception body, found under the persona id. */
  public static StoredValue inceptionItem(KeyLog log) {
    return DhtValues.immutable(body(log.event(0)).orElseThrow());
  }

  /**
   * Return the key of the first device the inception in {@code value} names, or empty if {@code
   * value} is not the immutable inception body of {@code persona} (its SHA-256 must be the id).
   */
  public static Optional<byte[]> firstDeviceKey(StoredValue value, PersonaId persona) {
    if (!value.hasImmutable()) {
      return Optional.empty();
    }
    byte[] body = value.getImmutable().toByteArray();
    if (body.length > KeyLog.MAX_EVENT_BYTES || !Arrays.equals(Identity.sha256(body), persona.toBytes())) {
      return Optional.empty();
    }
    try {
      EventBody b = EventBody.parseFrom(body);
      if (!b.hasInception() || b.getSeq() != 0
          || b.getInception().getFirstDevice().getDeviceKey().size() != Identity.PUBLIC_KEY_BYTES) {
        return Optional.empty();
      }
      return Optional.of(b.getInception().getFirstDevice().getDeviceKey().toByteArray());
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
  }

  /** Return the key anybody derives from {@code persona} to publish its device list under. */
  static Identity devicesSigner(PersonaId persona) {
    return Identity.fromSeed(Identity.sha256(DEVICES_DOMAIN, persona.toBytes()));
  }

  /** Return the DHT key of {@code persona}'s device list. */
  public static NodeId devicesKey(PersonaId persona) {
    return DhtValues.mutableKey(devicesSigner(persona).publicKey(), DEVICES_SALT);
  }

  /**
   * Return the device list of {@code state} for network {@code networkId}: the same bytes whichever
   * device builds it, at item seq {@code state.seq() + 1}.
   */
  public static StoredValue devicesItem(KeyState state, long networkId) {
    return devicesItem(state.persona(), state.seq(), List.copyOf(state.devices().keySet()), networkId);
  }

  /**
   * Return a device list of {@code persona} naming {@code devices} at log seq {@code seq} (item seq
   * {@code seq + 1}) for network {@code networkId}: what every device publishes, and what anybody
   * can sign (the key is derived from the persona id), a forger included.
   */
  public static StoredValue devicesItem(PersonaId persona, long seq, List<NodeId> devices, long networkId) {
    PersonaDevices.Builder b = PersonaDevices.newBuilder().setPersona(ByteString.copyFrom(persona.toBytes())).setSeq(seq);
    devices.forEach(d -> b.addDevices(ByteString.copyFrom(d.toBytes())));
    return DhtValues.mutable(devicesSigner(persona), DEVICES_SALT, seq + 1, b.build().toByteArray(), networkId);
  }

  /**
   * Return the devices a list found under {@link #devicesKey}{@code (persona)} names (a hint, see
   * the class comment), or empty if {@code value} is no such list of {@code persona}.
   */
  public static Optional<List<NodeId>> devicesIn(StoredValue value, PersonaId persona) {
    if (!value.hasMutable()) {
      return Optional.empty();
    }
    MutableItem m = value.getMutable();
    if (!Arrays.equals(m.getPublicKey().toByteArray(), devicesSigner(persona).publicKey())
        || !Arrays.equals(m.getSalt().toByteArray(), DEVICES_SALT)) {
      return Optional.empty();
    }
    PersonaDevices p;
    try {
      p = PersonaDevices.parseFrom(m.getValue());
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
    if (!Arrays.equals(p.getPersona().toByteArray(), persona.toBytes()) || p.getDevicesCount() > KeyLog.MAX_DEVICES) {
      return Optional.empty();
    }
    List<NodeId> out = new ArrayList<>();
    for (ByteString d : p.getDevicesList()) {
      if (d.size() != NodeId.BYTES) {
        return Optional.empty();
      }
      out.add(NodeId.of(d.toByteArray()));
    }
    return Optional.of(List.copyOf(out));
  }

  private static Optional<byte[]> body(byte[] event) {
    try {
      return Optional.of(SignedEvent.parseFrom(event).getBody().toByteArray());
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
  }

  /** Return the head of {@code state} as presence records carry it. */
  public static PersonaHead head(KeyState state) {
    return PersonaHead.newBuilder()
        .setPersona(ByteString.copyFrom(state.persona().toBytes()))
        .setSeq(state.seq())
        .setDigest(ByteString.copyFrom(state.head().digest()))
        .build();
  }

  /** Return the persona head {@code record} names, or empty if none or not well formed. */
  public static Optional<Seen> seen(Presence record) {
    if (!record.hasPersona()) {
      return Optional.empty();
    }
    PersonaHead h = record.getPersona();
    if (h.getPersona().size() != NodeId.BYTES || h.getDigest().size() != 32
        || h.getSeq() >= KeyLog.MAX_EVENTS) {
      return Optional.empty();
    }
    return Optional.of(new Seen(PersonaId.of(h.getPersona().toByteArray()),
        new LogHead(h.getSeq(), h.getDigest().toByteArray())));
  }

  /**
   * Return how {@code seen} stands to {@code held}: the same head, an older head of the same log,
   * a newer one (fetch it), or another event at a held seq (duplicity).
   */
  public static Standing standing(KeyLog held, LogHead seen) {
    if (seen.seq() >= held.size()) {
      return Standing.NEWER;
    }
    if (!Arrays.equals(KeyLog.digest(held.event((int) seen.seq())), seen.digest())) {
      return Standing.CONFLICT;
    }
    return seen.seq() == held.state().seq() ? Standing.SAME : Standing.OLDER;
  }

  /** How a head seen stands to a log held. */
  public enum Standing {
    /** The held head. */
    SAME,
    /** An earlier head of the held log. */
    OLDER,
    /** A head past the held log (the log moved on, or somebody claims it did). */
    NEWER,
    /** Another event than the held one at that seq. */
    CONFLICT
  }
}
