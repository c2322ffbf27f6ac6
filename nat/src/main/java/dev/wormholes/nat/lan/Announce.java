package dev.wormholes.nat.lan;

import dev.wormholes.dht.DhtEngine;
import dev.wormholes.proto.NodeId;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * A LAN announce datagram, {@link #LENGTH} bytes: magic "WHLA" (4), version 2 (1), network id (8,
 * big-endian), node id (32), UDP port (2, big-endian), then zeros up to {@link #LENGTH}. Anything
 * else is not an announce. The padding makes an announce at least as large as the one ping it can
 * make a node send ({@link DhtEngine#SEED_PING_BYTES}), so a forged announce amplifies nothing.
 *
 * @param networkId the sender's network id
 * @param id the sender's claimed node id (proven later by a DHT ping)
 * @param port the sender's DHT UDP port (its IP is the datagram's source)
 */
public record Announce(long networkId, NodeId id, int port) {
  /** Bytes in an announce. */
  public static final int LENGTH = Math.max(4 + 1 + 8 + NodeId.BYTES + 2, DhtEngine.SEED_PING_BYTES);
  private static final int MAGIC = 0x57484C41; // "WHLA"
  private static final byte VERSION = 2;

  /** Return the datagram bytes. */
  public byte[] encode() {
    return ByteBuffer.allocate(LENGTH).putInt(MAGIC).put(VERSION).putLong(networkId)
        .put(id.toBytes()).putShort((short) port).array();
  }

  /** Return the announce in {@code bytes}, or empty if they are not one. Never throws. */
  public static Optional<Announce> decode(byte[] bytes) {
    if (bytes.length != LENGTH) {
      return Optional.empty();
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    if (b.getInt() != MAGIC || b.get() != VERSION) {
      return Optional.empty();
    }
    long network = b.getLong();
    byte[] id = new byte[NodeId.BYTES];
    b.get(id);
    int port = b.getShort() & 0xFFFF;
    while (b.hasRemaining()) {
      if (b.get() != 0) {
        return Optional.empty();
      }
    }
    return port == 0 ? Optional.empty() : Optional.of(new Announce(network, NodeId.of(id), port));
  }
}
