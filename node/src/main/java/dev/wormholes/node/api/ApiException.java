package dev.wormholes.node.api;

import java.nio.charset.StandardCharsets;

/** A request that fails with an HTTP status and one clear sentence for {@code {"error": ...}}. */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;

  /** Return a failure with {@code status} and {@code message}. */
  public ApiException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  /** Return the HTTP status. */
  public int status() {
    return status;
  }

  /**
   * Return {@code s} fit to echo back in a message: null as "", line breaks as one space, unpaired
   * surrogates replaced, at most 80 characters.
   */
  public static String clip(String s) {
    if (s == null) {
      return "";
    }
    String t = new String(s.replaceAll("[\\r\\n]+", " ").getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    return t.length() <= 80 ? t : t.substring(0, 77) + "...";
  }
}
