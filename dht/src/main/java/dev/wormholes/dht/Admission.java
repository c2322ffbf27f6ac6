package dev.wormholes.dht;

import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;

/**
 * Who enters the routing table because it sent us a request. Kademlia (section 2.2) learns
 * contacts from requests; since {@code sender_id} is only claimed, an unknown requester is pinged
 * back with a challenge first and enters only when its answer proves the key its id is the hash
 * of ({@code Packet.proof}, checked by the engine). The ping-back goes only to an address the
 * request proved (it carried a valid token of ours), so a spoofed request never makes us send more
 * bytes to its victim than it carried; at most {@link DhtConfig#pingBacksPerSecond()} a second,
 * only if its bucket has room ({@link RoutingTable#hasRoom} says why); the engine dropped its
 * request on arrival if its id lacks the work factor. A known one asking from its known address counts as seen.
 *
 * <p>A request marked {@code read_only} (BEP 43; libp2p Kademlia's client mode) is never pinged
 * back. If its sender is held at that address (it may have become read-only after it entered), it
 * is removed at once when the request proved its address with a token; without one the request may
 * be spoofed by anyone in the contact's name, so the engine pings the contact (from the same
 * budget, and only if the request was at least as large as the ping) and removes it only if the
 * ping fails, as a read-only node answers no request. A spoofed flag never costs a contact its place.
 */
final class Admission {
  private final RoutingTable table;
  private final int pingBacksPerSecond;
  private final DhtStats stats;
  // The second the ping-back budget counts, and the ping-backs spent in it.
  private long pingBackSecond = -1;
  private int pingBacksThisSecond;

  Admission(RoutingTable table, int pingBacksPerSecond, DhtStats stats) {
    this.table = table;
    this.pingBacksPerSecond = pingBacksPerSecond;
    this.stats = stats;
  }

  /**
   * Record a request from {@code id} at {@code from}; {@code addressProven} says whether it carried
   * a valid token of ours. Return the contact the engine must ping back with a challenge before it
   * may enter the table, or null.
   */
  Contact onRequest(NodeId id, InetSocketAddress from, boolean addressProven, long now) {
    Contact known = table.find(id);
    if (known != null) {
      if (known.address().equals(from)) table.offer(known);
      return null;
    }
    if (!addressProven || !table.hasRoom(id) || !spendPingBack(now)) {
      return null;
    }
    stats.pingBacks++;
    return new Contact(id, from);
  }

  /**
   * Record a {@code read_only} request from {@code id} at {@code from}; {@code addressProven} says
   * whether it carried a valid token of ours. Return the routing-table contact the engine must ping
   * to learn whether it really turned read-only (removed if the ping fails), or null.
   */
  Contact onReadOnlyRequest(NodeId id, InetSocketAddress from, boolean addressProven, long now) {
    stats.readOnlyRequestsIn++;
    Contact known = table.find(id);
    if (known == null) {
      table.remove(new Contact(id, from)); // a replacement candidate: never pinged, just forgotten
      return null;
    }
    if (!known.address().equals(from)) return null;
    if (addressProven) {
      if (table.remove(known)) stats.readOnlyRemovals++;
      return null;
    }
    if (!spendPingBack(now)) return null;
    stats.readOnlyChecks++;
    return known;
  }

  private boolean spendPingBack(long now) {
    long second = now / 1000;
    if (second != pingBackSecond) {
      pingBackSecond = second;
      pingBacksThisSecond = 0;
    }
    if (pingBacksThisSecond >= pingBacksPerSecond) return false;
    pingBacksThisSecond++;
    return true;
  }
}
