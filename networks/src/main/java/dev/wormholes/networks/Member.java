package dev.wormholes.networks;

import dev.wormholes.networks.wire.MemberKeys;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.util.Optional;

/**
 * A member of a network: a device (node) by its Ed25519 key, and its X25519 key that epoch keys
 * are granted to.
 *
 * @param id the node id, SHA-256 of {@code publicKey}
 * @param publicKey the Ed25519 public key (32 bytes)
 * @param boxKey the X25519 public key (32 bytes)
 */
public record Member(NodeId id, byte[] publicKey, byte[] boxKey) {
  /** Return the member that {@code keys} names, or empty if a key has the wrong length. */
  public static Optional<Member> of(MemberKeys keys) {
    if (keys.getPublicKey().size() != Identity.PUBLIC_KEY_BYTES || keys.getBoxKey().size() != BoxKeys.KEY_BYTES) {
      return Optional.empty();
    }
    byte[] pk = keys.getPublicKey().toByteArray();
    return Optional.of(new Member(Identity.idOf(pk), pk, keys.getBoxKey().toByteArray()));
  }

  /** Return the member that {@code identity} is, with its derived box key. */
  public static Member of(Identity identity) {
    return new Member(identity.id(), identity.publicKey(), BoxKeys.publicOf(BoxKeys.privateOf(identity)));
  }

  /** Return the wire form. */
  public MemberKeys keys() {
    return MemberKeys.newBuilder()
        .setPublicKey(com.google.protobuf.ByteString.copyFrom(publicKey))
        .setBoxKey(com.google.protobuf.ByteString.copyFrom(boxKey)).build();
  }
}
