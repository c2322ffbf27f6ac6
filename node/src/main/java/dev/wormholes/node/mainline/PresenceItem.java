package dev.wormholes.node.mainline;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.wormholes.mainline.Bencode;
import dev.wormholes.mainline.BencodeDecoder;
import dev.wormholes.mainline.MainlineIds;
import dev.wormholes.mainline.MutableItem;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.StoredValue;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * A Wormholes presence record as a BEP 44 mutable item in the mainline DHT (mainline/README.md,
 * "Presence records in mainline"): key {@code k} = the node's Ed25519 identity key, salt {@link
 * #SALT}, {@code seq} = the record's seq, {@code v} = a bencoded byte string holding the record's
 * protobuf bytes ({@code Presence} in proto/src/main/proto/wormholes.proto). The BEP 44 signature
 * by the identity key authenticates it; a reader also checks that the record names that key, the
 * public network, the same seq, and has not expired.
 */
public final class PresenceItem {
  /** The label of the public network in mainline. */
  public static final String NETWORK_LABEL = "wormholes:public:v1";
  /** The info-hash public nodes announce under: SHA-1 of {@link #NETWORK_LABEL}. */
  public static final byte[] INFO_HASH = MainlineIds.sha1(NETWORK_LABEL.getBytes(StandardCharsets.US_ASCII));
  /** The BEP 44 salt of presence records: network and purpose. */
  public static final byte[] SALT = (NETWORK_LABEL + ":presence").getBytes(StandardCharsets.US_ASCII);

  private PresenceItem() {}

  /**
   * Return the mainline item for {@code record} (this node's signed presence record), or empty if
   * it does not fit BEP 44's 1000 bencoded bytes or its seq is over 2^63-1.
   */
  public static Optional<MutableItem> of(Identity identity, StoredValue record) {
    if (!record.hasPresence()) {
      return Optional.empty();
    }
    byte[] bytes = record.getPresence().getPresence().toByteArray();
    long seq;
    try {
      seq = Presence.parseFrom(bytes).getSeq();
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
    byte[] v = Bencode.bytes(bytes).encode();
    if (v.length > MutableItem.MAX_VALUE || seq < 0) {
      return Optional.empty();
    }
    return Optional.of(MutableItem.sign(identity, SALT, seq, v));
  }

  /**
   * Return the presence record in {@code item} if it is one of {@code publicKey}'s for the public
   * network, still valid at Unix time {@code wallMillis}; empty otherwise.
   */
  public static Optional<Presence> read(MutableItem item, byte[] publicKey, long wallMillis) {
    if (!item.verify() || !Arrays.equals(item.publicKey(), publicKey) || !Arrays.equals(item.salt(), SALT)
        || !(BencodeDecoder.decode(item.value()) instanceof BencodeDecoder.Result.Ok ok)
        || !(ok.value() instanceof Bencode.Bytes b)) {
      return Optional.empty();
    }
    try {
      Presence p = Presence.parseFrom(b.value());
      boolean valid = Arrays.equals(p.getPublicKey().toByteArray(), publicKey) && p.getNetworkId() == 0
          && p.getSeq() == item.seq() && p.getExpiresAtMs() > wallMillis;
      return valid ? Optional.of(p) : Optional.empty();
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
  }
}
