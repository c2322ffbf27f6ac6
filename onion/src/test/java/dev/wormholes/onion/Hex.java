package dev.wormholes.onion;

import java.util.HexFormat;

/** Hex helpers for known-answer tests. */
public final class Hex {
  private Hex() {}

  /** Return the bytes of a hex string; whitespace is ignored. */
  public static byte[] bytes(String hex) {
    return HexFormat.of().parseHex(hex.replaceAll("\\s", ""));
  }

  /** Return the lower-case hex of {@code b}. */
  public static String of(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
