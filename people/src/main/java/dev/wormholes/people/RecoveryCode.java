package dev.wormholes.people;

import com.google.common.io.BaseEncoding;
import java.util.Locale;
import java.util.Optional;

/**
 * A recovery code: the 32-byte seed of a persona's pre-committed next signing key as a person
 * copies it, base32 in groups of four separated by '-'. It is shown once and never kept on a device;
 * {@code wormholes rotate} and {@code device remove --recovery} take it back.
 */
public final class RecoveryCode {
  /** Bytes of a seed. */
  public static final int SEED_BYTES = 32;
  private static final BaseEncoding BASE32 = BaseEncoding.base32().lowerCase().omitPadding();

  private RecoveryCode() {}

  /** Return the code of {@code seed}. */
  public static String encode(byte[] seed) {
    String s = BASE32.encode(seed);
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i += 4) {
      b.append(i == 0 ? "" : "-").append(s, i, Math.min(s.length(), i + 4));
    }
    return b.toString();
  }

  /** Return the seed of {@code code} (spaces, dashes and case ignored), or empty if it is not one. */
  public static Optional<byte[]> decode(String code) {
    if (code.length() > 128) {
      return Optional.empty();
    }
    String s = code.toLowerCase(Locale.ROOT).replaceAll("[\\s-]", "");
    if (!BASE32.canDecode(s)) {
      return Optional.empty();
    }
    byte[] seed = BASE32.decode(s);
    return seed.length == SEED_BYTES ? Optional.of(seed) : Optional.empty();
  }
}
