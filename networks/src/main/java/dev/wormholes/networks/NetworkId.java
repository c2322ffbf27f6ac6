package dev.wormholes.networks;

import com.google.common.io.BaseEncoding;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * A private network's id: SHA-256 of its roster's first change (the creation), 32 bytes.
 *
 * @param bytes the 32 bytes
 */
public record NetworkId(ByteString bytes) {
  /** Bytes in an id. */
  public static final int BYTES = 32;
  private static final BaseEncoding BASE32 = BaseEncoding.base32().omitPadding().lowerCase();

  /** Make an id; throw unless {@code bytes} has {@link #BYTES} bytes. */
  public NetworkId {
    if (bytes.size() != BYTES) {
      throw new IllegalArgumentException("a network id has 32 bytes, not " + bytes.size());
    }
  }

  /** Return the id of {@code bytes}, or empty if it is not 32 bytes long. */
  public static Optional<NetworkId> tryOf(ByteString bytes) {
    return bytes.size() == BYTES ? Optional.of(new NetworkId(bytes)) : Optional.empty();
  }

  /**
   * Return the 64-bit id the network's DHT packets and records carry ({@code Packet.network_id}):
   * the first 8 bytes, with the top bit set so it never equals the public network's 0.
   */
  public long wireId() {
    return ByteBuffer.wrap(bytes.toByteArray(), 0, 8).getLong() | Long.MIN_VALUE;
  }

  /** Return the id in base32 (52 characters). */
  public String text() {
    return BASE32.encode(bytes.toByteArray());
  }

  @Override
  public String toString() {
    return text().substring(0, 12);
  }
}
