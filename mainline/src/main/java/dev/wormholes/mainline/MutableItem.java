package dev.wormholes.mainline;

import dev.wormholes.proto.Identity;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A BEP 44 mutable item: a bencoded value {@code v} under an Ed25519 public key {@code k} and an
 * optional salt, with a sequence number and a signature. Its DHT key (target) is {@code SHA-1(k ||
 * salt)}; the signature covers {@code "4:salt" len ":" salt} (only for a non-empty salt) {@code
 * "3:seqi" seq "e1:v"} and the bencoded {@code v} (BEP 44, "Signature verification").
 *
 * @param publicKey the 32-byte Ed25519 key {@code k}
 * @param salt at most {@link #MAX_SALT} bytes, empty for none
 * @param seq the sequence number, non-negative
 * @param value the bencoded {@code v}, at most {@link #MAX_VALUE} bytes
 * @param signature the 64-byte Ed25519 signature
 */
public record MutableItem(byte[] publicKey, byte[] salt, long seq, byte[] value, byte[] signature) {
  /** BEP 44: a {@code v} longer than 1000 bencoded bytes is refused (error 205). */
  public static final int MAX_VALUE = 1000;
  /** BEP 44: a salt longer than 64 bytes is refused (error 207). */
  public static final int MAX_SALT = 64;
  private static final byte[] NO_DOMAIN = new byte[0];

  public MutableItem {
    publicKey = publicKey.clone();
    salt = salt.clone();
    value = value.clone();
    signature = signature.clone();
  }

  /** Sign {@code value} (already bencoded) under {@code identity}'s key, {@code salt} and {@code seq}. */
  public static MutableItem sign(Identity identity, byte[] salt, long seq, byte[] value) {
    byte[] sig = identity.sign(NO_DOMAIN, signedBuffer(salt, seq, value));
    return new MutableItem(identity.publicKey(), salt, seq, value, sig);
  }

  /** Return the bytes BEP 44 signs for {@code salt}, {@code seq} and the bencoded {@code value}. */
  public static byte[] signedBuffer(byte[] salt, long seq, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + salt.length + 40);
    if (salt.length > 0) {
      out.writeBytes(("4:salt" + salt.length + ":").getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(salt);
    }
    out.writeBytes(("3:seqi" + seq + "e1:v").getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(value);
    return out.toByteArray();
  }

  /** Return the DHT key of the item under {@code publicKey} and {@code salt}: SHA-1(k || salt). */
  public static byte[] target(byte[] publicKey, byte[] salt) {
    return MainlineIds.sha1(publicKey, salt);
  }

  /** Return this item's DHT key. */
  public byte[] target() {
    return target(publicKey, salt);
  }

  /**
   * Return whether this item is well formed and its signature verifies: key 32 bytes, signature 64,
   * salt and value within BEP 44's limits, seq non-negative, value one canonical bencoded value.
   */
  public boolean verify() {
    if (publicKey.length != Identity.PUBLIC_KEY_BYTES || signature.length != Identity.SIGNATURE_BYTES
        || salt.length > MAX_SALT || value.length > MAX_VALUE || seq < 0
        || !(BencodeDecoder.decode(value) instanceof BencodeDecoder.Result.Ok)) {
      return false;
    }
    return Identity.verify(publicKey, NO_DOMAIN, signedBuffer(salt, seq, value), signature);
  }

  @Override
  public byte[] publicKey() {
    return publicKey.clone();
  }

  @Override
  public byte[] salt() {
    return salt.clone();
  }

  @Override
  public byte[] value() {
    return value.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MutableItem m && seq == m.seq && Arrays.equals(publicKey, m.publicKey)
        && Arrays.equals(salt, m.salt) && Arrays.equals(value, m.value) && Arrays.equals(signature, m.signature);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(publicKey) * 31 + Long.hashCode(seq);
  }

  @Override
  public String toString() {
    return "MutableItem[seq=" + seq + ", value=" + value.length + " bytes]";
  }
}
