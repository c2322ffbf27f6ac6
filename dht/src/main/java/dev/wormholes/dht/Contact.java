package dev.wormholes.dht;

import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A DHT contact: a node id and the UDP address it answered from. Immutable; the engine keeps one
 * instance per known node (run it through {@link DhtConfig#contactInterner()} so that a simulator
 * can share instances between a million engines).
 *
 * @param id the node id (claimed by the peer in {@code sender_id}; proven only in the sense that
 *     the peer answered our request at {@code address})
 * @param address where the node answers
 */
public record Contact(NodeId id, InetSocketAddress address) {
  /** Create a contact; neither part may be null. */
  public Contact {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(address, "address");
  }

  @Override
  public String toString() {
    return id.shortString() + "@" + address.getAddress().getHostAddress() + ":" + address.getPort();
  }
}
