package dev.wormholes.proto;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.wormholes.proto.wire.Contact;
import dev.wormholes.proto.wire.MutableItem;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.ReachEndpoint;
import dev.wormholes.proto.wire.SignedPresence;
import dev.wormholes.proto.wire.StoredValue;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Keys, signatures and checks of the three kinds of DHT value:
 *
 * <ul>
 *   <li>immutable: key = SHA-256(value), at most {@link Limits#MAX_VALUE} bytes;
 *   <li>mutable (BEP 44): key = SHA-256(public key || salt), signed over {@link #MUTABLE_DOMAIN}
 *       || u8(len salt) || salt || u64be(seq) || value; the salt is 1..64 bytes;
 *   <li>presence record: key = SHA-256(public key) = the node id, signed over {@link
 *       #PRESENCE_DOMAIN} || the serialized {@link Presence}.
 * </ul>
 */
public final class DhtValues {
  private DhtValues() {}

  /** Domain-separation prefix of presence record signatures. */
  public static final byte[] PRESENCE_DOMAIN = "wormholes/presence/v1".getBytes(StandardCharsets.US_ASCII);
  /** Domain-separation prefix of mutable item signatures. */
  public static final byte[] MUTABLE_DOMAIN = "wormholes/mutable/v1".getBytes(StandardCharsets.US_ASCII);

  // ---- construction (the publisher's side)

  /** Return an immutable value; throw if it is larger than {@link Limits#MAX_VALUE}. */
  public static StoredValue immutable(byte[] value) {
    if (value.length > Limits.MAX_VALUE) {
      throw new IllegalArgumentException("value is " + value.length + " bytes; the limit is " + Limits.MAX_VALUE);
    }
    return StoredValue.newBuilder().setImmutable(ByteString.copyFrom(value)).build();
  }

  /** Return a mutable item of the public network signed by {@code owner}; throw like {@link #mutable(Identity, byte[], long, byte[], long)}. */
  public static StoredValue mutable(Identity owner, byte[] salt, long seq, byte[] value) {
    return mutable(owner, salt, seq, value, 0);
  }

  /**
   * Return a mutable item of network {@code networkId} signed by {@code owner}; throw on an empty
   * or oversized salt or value.
   */
  public static StoredValue mutable(Identity owner, byte[] salt, long seq, byte[] value, long networkId) {
    if (salt.length == 0 || salt.length > Limits.MAX_SALT) {
      throw new IllegalArgumentException("salt must be 1.." + Limits.MAX_SALT + " bytes, got " + salt.length);
    }
    if (value.length > Limits.MAX_VALUE) {
      throw new IllegalArgumentException("value is " + value.length + " bytes; the limit is " + Limits.MAX_VALUE);
    }
    byte[] sig = owner.sign(MUTABLE_DOMAIN, mutableSignedBytes(salt, seq, value, networkId));
    return StoredValue.newBuilder()
        .setMutable(MutableItem.newBuilder()
            .setPublicKey(ByteString.copyFrom(owner.publicKey()))
            .setSalt(ByteString.copyFrom(salt))
            .setSeq(seq)
            .setValue(ByteString.copyFrom(value))
            .setSignature(ByteString.copyFrom(sig))
            .setNetworkId(networkId))
        .build();
  }

  /**
   * Return {@code presence} signed by {@code owner}, with its public key set to the owner's.
   * Throw if the serialized record exceeds {@link Limits#MAX_PRESENCE} or has more endpoints or
   * introducers than {@link Limits} allow (holders would refuse it).
   */
  public static StoredValue presence(Identity owner, Presence presence) {
    if (presence.getEndpointsCount() > Limits.MAX_ENDPOINTS || presence.getIntroducersCount() > Limits.MAX_INTRODUCERS) {
      throw new IllegalArgumentException("presence record has " + presence.getEndpointsCount() + " endpoints and "
          + presence.getIntroducersCount() + " introducers; the limits are " + Limits.MAX_ENDPOINTS + " and " + Limits.MAX_INTRODUCERS);
    }
    byte[] bytes = presence.toBuilder()
        .setPublicKey(ByteString.copyFrom(owner.publicKey()))
        .build()
        .toByteArray();
    if (bytes.length > Limits.MAX_PRESENCE) {
      throw new IllegalArgumentException("presence record is " + bytes.length + " bytes; the limit is " + Limits.MAX_PRESENCE);
    }
    byte[] sig = owner.sign(PRESENCE_DOMAIN, bytes);
    return StoredValue.newBuilder()
        .setPresence(SignedPresence.newBuilder()
            .setPresence(ByteString.copyFrom(bytes))
            .setSignature(ByteString.copyFrom(sig)))
        .build();
  }

  /** Return the key a mutable item of {@code publicKey} and {@code salt} is stored under. */
  public static NodeId mutableKey(byte[] publicKey, byte[] salt) {
    return NodeId.of(Identity.sha256(publicKey, salt));
  }

  static byte[] mutableSignedBytes(byte[] salt, long seq, byte[] value, long networkId) {
    ByteBuffer b = ByteBuffer.allocate(1 + salt.length + 8 + value.length + (networkId != 0 ? 8 : 0))
        .put((byte) salt.length).put(salt).putLong(seq).put(value);
    if (networkId != 0) b.putLong(networkId);
    return b.array();
  }

  // ---- inspection (the holder's and reader's side)

  /** Return the key {@code value} belongs under, or empty if it is malformed. */
  public static Optional<NodeId> keyOf(StoredValue value) {
    switch (value.getKindCase()) {
      case IMMUTABLE:
        return Optional.of(NodeId.of(Identity.sha256(value.getImmutable().toByteArray())));
      case MUTABLE: {
        MutableItem m = value.getMutable();
        if (m.getPublicKey().size() != Identity.PUBLIC_KEY_BYTES || m.getSalt().isEmpty()) {
          return Optional.empty();
        }
        return Optional.of(mutableKey(m.getPublicKey().toByteArray(), m.getSalt().toByteArray()));
      }
      case PRESENCE:
        return parsePresence(value).filter(p -> p.getPublicKey().size() == Identity.PUBLIC_KEY_BYTES)
            .map(p -> Identity.idOf(p.getPublicKey().toByteArray()));
      default:
        return Optional.empty();
    }
  }

  /** Return the seq of a mutable item or presence record (unsigned), 0 for anything else. */
  public static long seq(StoredValue value) {
    switch (value.getKindCase()) {
      case MUTABLE:
        return value.getMutable().getSeq();
      case PRESENCE:
        return parsePresence(value).map(Presence::getSeq).orElse(0L);
      default:
        return 0;
    }
  }

  /**
   * Return whether {@code candidate} should replace {@code held} under the same key: its seq is
   * strictly greater (unsigned). An immutable value never replaces anything.
   */
  public static boolean supersedes(StoredValue candidate, StoredValue held) {
    if (candidate.getKindCase() != held.getKindCase() || candidate.hasImmutable()) {
      return false;
    }
    return Long.compareUnsigned(seq(candidate), seq(held)) > 0;
  }

  /** Return the parsed presence record of {@code value}, or empty if it is not one or unparseable. */
  public static Optional<Presence> parsePresence(StoredValue value) {
    if (!value.hasPresence()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Presence.parseFrom(value.getPresence().getPresence()));
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
  }

  /**
   * Check {@code value} for storage or service under {@code key} at Unix time {@code wallMillis}:
   * limits first (cheap), then key binding, then the signature (expensive). Never throws.
   */
  public static ValueCheck check(NodeId key, StoredValue value, long wallMillis) {
    return check(key, value, wallMillis, OptionalLong.empty());
  }

  /**
   * Like {@link #check(NodeId, StoredValue, long)}, and a presence record or mutable item must
   * also name network {@code networkId} ({@link ValueCheck#WRONG_NETWORK} otherwise).
   */
  public static ValueCheck check(NodeId key, StoredValue value, long wallMillis, long networkId) {
    return check(key, value, wallMillis, OptionalLong.of(networkId));
  }

  private static ValueCheck check(NodeId key, StoredValue value, long wallMillis, OptionalLong network) {
    switch (value.getKindCase()) {
      case IMMUTABLE:
        if (value.getImmutable().size() > Limits.MAX_VALUE) return ValueCheck.TOO_LARGE;
        return keyOf(value).filter(key::equals).isPresent() ? ValueCheck.OK : ValueCheck.KEY_MISMATCH;
      case MUTABLE:
        if (network.isPresent() && value.getMutable().getNetworkId() != network.getAsLong()) {
          return ValueCheck.WRONG_NETWORK;
        }
        return checkMutable(key, value.getMutable());
      case PRESENCE:
        return checkPresence(key, value.getPresence(), wallMillis, network);
      default:
        return ValueCheck.MALFORMED;
    }
  }

  private static ValueCheck checkMutable(NodeId key, MutableItem m) {
    if (m.getValue().size() > Limits.MAX_VALUE || m.getSalt().size() > Limits.MAX_SALT) {
      return ValueCheck.TOO_LARGE;
    }
    if (m.getPublicKey().size() != Identity.PUBLIC_KEY_BYTES || m.getSalt().isEmpty()
        || m.getSignature().size() != Identity.SIGNATURE_BYTES) {
      return ValueCheck.MALFORMED;
    }
    byte[] pk = m.getPublicKey().toByteArray();
    byte[] salt = m.getSalt().toByteArray();
    if (!mutableKey(pk, salt).equals(key)) {
      return ValueCheck.KEY_MISMATCH;
    }
    byte[] signed = mutableSignedBytes(salt, m.getSeq(), m.getValue().toByteArray(), m.getNetworkId());
    return Identity.verify(pk, MUTABLE_DOMAIN, signed, m.getSignature().toByteArray())
        ? ValueCheck.OK : ValueCheck.BAD_SIGNATURE;
  }

  private static ValueCheck checkPresence(NodeId key, SignedPresence sp, long wallMillis,
      OptionalLong network) {
    if (sp.getPresence().size() > Limits.MAX_PRESENCE) {
      return ValueCheck.TOO_LARGE;
    }
    if (sp.getSignature().size() != Identity.SIGNATURE_BYTES) {
      return ValueCheck.MALFORMED;
    }
    Presence p;
    try {
      p = Presence.parseFrom(sp.getPresence());
    } catch (InvalidProtocolBufferException e) {
      return ValueCheck.MALFORMED;
    }
    if (p.getPublicKey().size() != Identity.PUBLIC_KEY_BYTES) {
      return ValueCheck.MALFORMED;
    }
    if (p.getEndpointsCount() > Limits.MAX_ENDPOINTS || p.getIntroducersCount() > Limits.MAX_INTRODUCERS) {
      return ValueCheck.TOO_MANY_ENDPOINTS;
    }
    if (!reachFieldsValid(p)) {
      return ValueCheck.MALFORMED;
    }
    if (network.isPresent() && p.getNetworkId() != network.getAsLong()) {
      return ValueCheck.WRONG_NETWORK;
    }
    byte[] pk = p.getPublicKey().toByteArray();
    if (!Identity.idOf(pk).equals(key)) {
      return ValueCheck.KEY_MISMATCH;
    }
    // Unsigned comparison: expires_at_ms is a uint64 on the wire.
    if (Long.compareUnsigned(p.getExpiresAtMs(), wallMillis) <= 0) {
      return ValueCheck.EXPIRED;
    }
    if (Long.compareUnsigned(p.getExpiresAtMs(), wallMillis + Limits.MAX_PRESENCE_LIFETIME_MS) > 0) {
      return ValueCheck.EXPIRY_TOO_FAR;
    }
    return Identity.verify(pk, PRESENCE_DOMAIN, sp.getPresence().toByteArray(), sp.getSignature().toByteArray())
        ? ValueCheck.OK : ValueCheck.BAD_SIGNATURE;
  }

  /**
   * Return whether every endpoint and introducer of {@code p} is usable: endpoints valid per {@link
   * Endpoints#isValid}, {@code via} empty or a 32-byte node id, introducer ids 32 bytes.
   */
  private static boolean reachFieldsValid(Presence p) {
    for (ReachEndpoint r : p.getEndpointsList()) {
      if (!r.hasEndpoint() || !Endpoints.isValid(r.getEndpoint())
          || (!r.getVia().isEmpty() && r.getVia().size() != NodeId.BYTES)) {
        return false;
      }
    }
    for (Contact c : p.getIntroducersList()) {
      if (c.getId().size() != NodeId.BYTES || !c.hasEndpoint() || !Endpoints.isValid(c.getEndpoint())) {
        return false;
      }
    }
    return true;
  }
}
