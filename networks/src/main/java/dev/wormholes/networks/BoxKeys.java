package dev.wormholes.networks;

import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Optional;
import java.util.random.RandomGenerator;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * X25519 keys for epoch grants. A device's box key is derived from its identity (so nothing more
 * is stored); a grant is the epoch key sealed with AES-256-GCM under SHA-256 of the X25519 secret
 * shared by the change's ephemeral key and the member's box key, bound to both public keys, the
 * member's node id and the epoch. Each (ephemeral, member) pair gets its own key, so a zero nonce
 * is safe.
 */
public final class BoxKeys {
  /** Bytes in an X25519 key. */
  public static final int KEY_BYTES = X25519.POINT_SIZE;
  /** Bytes in a wrapped epoch key. */
  public static final int WRAPPED_BYTES = 32 + 16;
  private static final byte[] DERIVE = "wormholes-network-box-v1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] GRANT = "wormholes-network-grant-v1".getBytes(StandardCharsets.US_ASCII);

  private BoxKeys() {}

  /** Return the X25519 private key of {@code identity}: SHA-256 of a domain and its seed. */
  public static byte[] privateOf(Identity identity) {
    return Identity.sha256(DERIVE, identity.seed());
  }

  /** Return a fresh X25519 private key from {@code random}. */
  public static byte[] fresh(RandomGenerator random) {
    byte[] k = new byte[KEY_BYTES];
    random.nextBytes(k);
    return k;
  }

  /** Return the public key of the X25519 private key {@code priv}. */
  public static byte[] publicOf(byte[] priv) {
    byte[] pub = new byte[KEY_BYTES];
    X25519.scalarMultBase(priv, 0, pub, 0);
    return pub;
  }

  /** Return {@code epochKey} sealed to {@code member} with the ephemeral private key {@code eph}. */
  static byte[] wrap(byte[] eph, Member member, long epoch, byte[] epochKey) {
    byte[] ephPub = publicOf(eph);
    byte[] shared = new byte[KEY_BYTES];
    X25519.calculateAgreement(eph, 0, member.boxKey(), 0, shared, 0);
    return gcm(Cipher.ENCRYPT_MODE, kek(shared, ephPub, member.boxKey(), member.id(), epoch), epochKey)
        .orElseThrow(() -> new IllegalStateException("AES-GCM refused to encrypt"));
  }

  /** Return the epoch key in {@code wrapped}, opened with the member's box private key; empty if it does not open. */
  static Optional<byte[]> unwrap(byte[] boxPrivate, NodeId me, byte[] ephPub, long epoch, byte[] wrapped) {
    if (ephPub.length != KEY_BYTES || wrapped.length != WRAPPED_BYTES) {
      return Optional.empty();
    }
    byte[] shared = new byte[KEY_BYTES];
    if (!X25519.calculateAgreement(boxPrivate, 0, ephPub, 0, shared, 0)) {
      return Optional.empty(); // a small-order point
    }
    return gcm(Cipher.DECRYPT_MODE, kek(shared, ephPub, publicOf(boxPrivate), me, epoch), wrapped);
  }

  private static byte[] kek(byte[] shared, byte[] ephPub, byte[] boxPub, NodeId member, long epoch) {
    return Identity.sha256(GRANT, shared, ephPub, boxPub, member.toBytes(),
        ByteBuffer.allocate(8).putLong(epoch).array());
  }

  private static Optional<byte[]> gcm(int mode, byte[] key, byte[] input) {
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, new byte[12]));
      return Optional.of(c.doFinal(input));
    } catch (GeneralSecurityException e) {
      return Optional.empty();
    }
  }
}
