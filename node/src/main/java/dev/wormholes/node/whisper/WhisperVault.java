package dev.wormholes.node.whisper;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.aead.AesGcmKey;
import com.google.crypto.tink.aead.AesGcmParameters;
import com.google.crypto.tink.subtle.AesGcmJce;
import com.google.crypto.tink.subtle.Hkdf;
import com.google.crypto.tink.util.SecretBytes;
import dev.wormholes.proto.Identity;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Optional;

/**
 * Whisper records at rest: every record {@link Whispers} stores is sealed with AES-256-GCM through
 * Tink, keyed by HKDF-SHA256 of the node's identity seed ({@link #INFO}), the record's store key
 * as associated data (a record moved to another key, or changed, does not open). A sealed value is
 * {@link #MAGIC} (4 bytes), then Tink's AES-GCM output (12-byte IV, ciphertext, 16-byte tag).
 *
 * <p>A value that does not start with {@link #MAGIC} is a record stored in the clear by an earlier
 * version (a JSON object or the 8-byte sequence counter): {@link #open} returns it as it is, and
 * {@link Whispers} stores it again sealed. What this guards: the whisper table read on its own
 * (a dump, a copied table, a backup of it); the key is derived from the identity seed, which the
 * same store keeps, so whoever holds the whole data directory reads the whispers too.
 */
final class WhisperVault {
  /** First bytes of a sealed record (never the start of a JSON object or of 8 counter bytes' value). */
  static final byte[] MAGIC = {'W', 'H', 'S', 1};
  /** HKDF info: the key is for whisper records and nothing else. */
  static final byte[] INFO = "wormholes whisper records at rest v1".getBytes(StandardCharsets.US_ASCII);
  private static final int IV_BYTES = 12;
  private static final int TAG_BYTES = 16;

  private final Aead aead;

  private WhisperVault(Aead aead) {
    this.aead = aead;
  }

  /** Return the vault of the node {@code device}. */
  static WhisperVault of(Identity device) {
    try {
      byte[] key = Hkdf.computeHkdf("HMACSHA256", device.seed(), new byte[0], INFO, 32);
      AesGcmParameters p = AesGcmParameters.builder().setKeySizeBytes(32).setIvSizeBytes(IV_BYTES)
          .setTagSizeBytes(TAG_BYTES).setVariant(AesGcmParameters.Variant.NO_PREFIX).build();
      return new WhisperVault(AesGcmJce.create(AesGcmKey.builder().setParameters(p)
          .setKeyBytes(SecretBytes.copyFrom(key, InsecureSecretKeyAccess.get())).build()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }

  /** Return {@code plain} sealed as the record {@code key}. */
  byte[] seal(String key, byte[] plain) {
    try {
      byte[] sealed = aead.encrypt(plain, key.getBytes(StandardCharsets.UTF_8));
      byte[] out = Arrays.copyOf(MAGIC, MAGIC.length + sealed.length);
      System.arraycopy(sealed, 0, out, MAGIC.length, sealed.length);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM sealing failed", e);
    }
  }

  /** Return whether {@code stored} is a sealed record (as opposed to one kept in the clear). */
  static boolean isSealed(byte[] stored) {
    return stored.length >= MAGIC.length + IV_BYTES + TAG_BYTES
        && Arrays.equals(stored, 0, MAGIC.length, MAGIC, 0, MAGIC.length);
  }

  /**
   * Return the plain bytes of the record {@code key} as stored ({@code stored} itself if it was
   * kept in the clear); empty if it is sealed but does not open (changed, moved, or another key's).
   */
  Optional<byte[]> open(String key, byte[] stored) {
    if (!isSealed(stored)) {
      return Optional.of(stored);
    }
    try {
      return Optional.of(aead.decrypt(Arrays.copyOfRange(stored, MAGIC.length, stored.length),
          key.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      return Optional.empty();
    }
  }
}
