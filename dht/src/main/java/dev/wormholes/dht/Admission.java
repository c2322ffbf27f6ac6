package dev.wormholes.dht;

import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;

/**
 * Who enters the routing table because it sent us a request. Kademlia (section 2.2) learns
 * contacts from requests; since {@code sender_id} is only claimed, an unknown requester is pinged
 * back first (at most {@link DhtConfig#pingBacksPerSecond()} a second, and only if its bucket has
 * room: {@link RoutingTable#hasRoom} says why) and enters when it answers. A known one asking from
 * its known address counts as seen; a spoofer gains nothing lasting by it, since the first failed
 * request to a dead contact starts its eviction.
 *
 * <p>A request marked {@code read_only} (BEP 43; libp2p Kademlia's client mode) comes from a node
 * that cannot be reached unsolicited: it is never pinged back, and if it is held at that address
 * (it became read-only after it entered) it is removed, as go-libp2p-kad-dht and rust-libp2p remove
 * a peer that stops serving the DHT protocol. The address must match so that a stranger cannot
 * remove a contact by claiming its id.
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
   * Record a request from {@code id} at {@code from}. Return the contact the engine must ping back
   * before it may enter the table, or null.
   */
  Contact onRequest(NodeId id, InetSocketAddress from, boolean readOnly, long now) {
    if (readOnly) {
      stats.readOnlyRequestsIn++;
      if (table.remove(new Contact(id, from))) stats.readOnlyRemovals++;
      return null;
    }
    Contact known = table.find(id);
    if (known != null) {
      if (known.address().equals(from)) table.offer(known);
      return null;
    }
    if (!table.hasRoom(id) || !spendPingBack(now)) return null;
    stats.pingBacks++;
    return new Contact(id, from);
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
