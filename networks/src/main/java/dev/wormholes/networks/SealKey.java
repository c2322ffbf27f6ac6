package dev.wormholes.networks;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keys a secret gives for sealing datagrams: an AES-256-GCM key and an 8-byte key id, both
 * HMAC-SHA-256 of the secret over a label, so the id tells nothing about the key. An epoch key
 * and an invite secret use different labels ({@link Use}).
 *
 * @param id the key id a sealed datagram carries in the clear
 * @param aes the AES-256-GCM key
 */
public record SealKey(long id, SecretKeySpec aes) {
  /** What a secret is for; each use derives its own keys. */
  public enum Use {
    /** A network's epoch key. */
    EPOCH("wormholes-network-epoch-v1"),
    /** A one-time invite's secret (join request and answer). */
    INVITE("wormholes-network-invite-v1");

    private final String label;

    Use(String label) {
      this.label = label;
    }
  }

  /** Return the keys of {@code secret} for {@code use}. */
  public static SealKey of(byte[] secret, Use use) {
    byte[] id = hmac(secret, use.label + ":id");
    byte[] key = hmac(secret, use.label + ":aead");
    return new SealKey(ByteBuffer.wrap(id).getLong(), new SecretKeySpec(key, "AES"));
  }

  private static byte[] hmac(byte[] secret, String label) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal(label.getBytes(StandardCharsets.US_ASCII));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HMAC-SHA-256 unavailable", e);
    }
  }

}
