package dev.wormholes.node.onion;

import dev.wormholes.proto.Limits;
import dev.wormholes.proto.NodeId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a node publishes so that others can put it on a circuit: its current X25519 onion key and
 * its signed neighbour list (the node ids of its accepted contacts' devices, which it relays to
 * and from). Stored as the node's DHT mutable item under {@link #SALT}, so the DHT signature (by the
 * node's identity key) covers both. Format: {@code VERSION (1) = 1 | ONION_KEY (32) | COUNT (1) |
 * NODE_ID (32) x COUNT}, at most {@link #MAX_NEIGHBOURS} ids (the DHT's 1000-byte value limit).
 *
 * @param onionKey the X25519 onion key B
 * @param neighbours the node ids it names
 */
public record OnionDescriptor(byte[] onionKey, Set<NodeId> neighbours) {
  /** The mutable item's salt. */
  public static final byte[] SALT = "wormholes:onion:v1".getBytes(StandardCharsets.US_ASCII);
  /** Most neighbours one descriptor names. */
  public static final int MAX_NEIGHBOURS = (Limits.MAX_VALUE - 34) / NodeId.BYTES;
  private static final int VERSION = 1;

  /** Check the key size, cap and copy the list. */
  public OnionDescriptor {
    if (onionKey.length != 32) {
      throw new IllegalArgumentException("a 32-byte onion key");
    }
    onionKey = onionKey.clone();
    List<NodeId> capped = new ArrayList<>(neighbours).subList(0, Math.min(neighbours.size(), MAX_NEIGHBOURS));
    neighbours = Set.copyOf(capped);
  }

  /** Return the wire form. */
  public byte[] encode() {
    List<NodeId> ids = neighbours.stream().sorted().toList();
    ByteBuffer b = ByteBuffer.allocate(34 + NodeId.BYTES * ids.size());
    b.put((byte) VERSION).put(onionKey).put((byte) ids.size());
    ids.forEach(id -> b.put(id.toBytes()));
    return b.array();
  }

  /** Parse a wire form; empty if it is not one (wrong version, length or count). */
  public static Optional<OnionDescriptor> decode(byte[] bytes) {
    if (bytes.length < 34 || bytes[0] != VERSION) {
      return Optional.empty();
    }
    int count = bytes[33] & 0xff;
    if (count > MAX_NEIGHBOURS || bytes.length != 34 + NodeId.BYTES * count) {
      return Optional.empty();
    }
    byte[] key = java.util.Arrays.copyOfRange(bytes, 1, 33);
    Set<NodeId> ids = new LinkedHashSet<>();
    for (int i = 0; i < count; i++) {
      int at = 34 + i * NodeId.BYTES;
      ids.add(NodeId.of(java.util.Arrays.copyOfRange(bytes, at, at + NodeId.BYTES)));
    }
    return Optional.of(new OnionDescriptor(key, ids));
  }
}
