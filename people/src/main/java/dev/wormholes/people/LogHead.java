package dev.wormholes.people;

import com.google.common.io.BaseEncoding;
import java.util.Arrays;

/**
 * The head of a key log: the seq and digest of its last event. Pinning a head pins everything the
 * log says up to it.
 */
public record LogHead(long seq, byte[] digest) {
  private static final BaseEncoding HEX = BaseEncoding.base16().lowerCase();

  /** Copy the digest. */
  public LogHead {
    digest = digest.clone();
  }

  @Override
  public byte[] digest() {
    return digest.clone();
  }

  /** Return {@code SEQ:HEX}, the form stored and shown. */
  public String text() {
    return seq + ":" + HEX.encode(digest);
  }

  /** Parse {@link #text()}; throw IllegalArgumentException if it is not one. */
  public static LogHead parse(String text) {
    int colon = text.indexOf(':');
    if (colon < 1) {
      throw new IllegalArgumentException("not a log head: " + text);
    }
    return new LogHead(Long.parseLong(text.substring(0, colon)), HEX.decode(text.substring(colon + 1)));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LogHead h && seq == h.seq && Arrays.equals(digest, h.digest);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(seq) * 31 + Arrays.hashCode(digest);
  }

  @Override
  public String toString() {
    return seq + ":" + HEX.encode(digest).substring(0, 12);
  }
}
