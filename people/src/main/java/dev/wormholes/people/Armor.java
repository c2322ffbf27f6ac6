package dev.wormholes.people;

import java.util.Base64;
import java.util.Optional;

/**
 * ASCII armour, so that bytes paste into mail: {@code -----BEGIN LABEL-----}, the bytes in base64
 * (RFC 4648, padded) in lines of 64 characters, {@code -----END LABEL-----}. Decoding finds the
 * block anywhere in a text and ignores whitespace inside it; anything else is not armour.
 */
public final class Armor {
  private static final int LINE = 64;

  private Armor() {}

  /** Return {@code bytes} armoured under {@code label}. */
  public static String encode(String label, byte[] bytes) {
    String b64 = Base64.getEncoder().encodeToString(bytes);
    StringBuilder sb = new StringBuilder("-----BEGIN ").append(label).append("-----\n");
    for (int i = 0; i < b64.length(); i += LINE) {
      sb.append(b64, i, Math.min(b64.length(), i + LINE)).append('\n');
    }
    return sb.append("-----END ").append(label).append("-----\n").toString();
  }

  /** Return the bytes of the first {@code label} block in {@code text}, or empty (never throws). */
  public static Optional<byte[]> decode(String label, String text) {
    String begin = "-----BEGIN " + label + "-----";
    String end = "-----END " + label + "-----";
    int b = text.indexOf(begin);
    int e = b < 0 ? -1 : text.indexOf(end, b + begin.length());
    if (e < 0) {
      return Optional.empty();
    }
    String body = text.substring(b + begin.length(), e).replaceAll("\\s", "");
    try {
      return Optional.of(Base64.getDecoder().decode(body));
    } catch (IllegalArgumentException x) {
      return Optional.empty();
    }
  }
}
