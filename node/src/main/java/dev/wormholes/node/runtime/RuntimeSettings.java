package dev.wormholes.node.runtime;

import dev.wormholes.dht.DhtConfig;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * What a {@link UdpRuntime} needs to start.
 *
 * @param listen UDP address to bind
 * @param seeds bootstrap endpoints (may be empty: the routing snapshot or LAN discovery is used)
 * @param dht the engine's configuration (its network id is the node's)
 * @param ratePerSecond datagrams per second allowed per source IP before the engine
 * @param rateBurst burst allowed per source IP
 * @param rateSlots buckets of the per-source limiter (its memory bound)
 * @param queryTimeoutMillis how long a command waits for its query before failing with a timeout
 * @param group event loop group to run on (from {@link Transports#newGroup}); null: own one thread
 */
public record RuntimeSettings(
    InetSocketAddress listen,
    List<InetSocketAddress> seeds,
    DhtConfig dht,
    double ratePerSecond,
    double rateBurst,
    int rateSlots,
    long queryTimeoutMillis,
    EventLoopGroup group) {

  /** Return settings with the defaults for everything but the listen address, seeds and DHT config. */
  public static RuntimeSettings of(InetSocketAddress listen, List<InetSocketAddress> seeds, DhtConfig dht) {
    return new RuntimeSettings(listen, List.copyOf(seeds), dht, 500, 1000, 4096, 10_000, null);
  }
}
