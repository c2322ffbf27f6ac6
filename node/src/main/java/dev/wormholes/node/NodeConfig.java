package dev.wormholes.node;

import dev.wormholes.node.discovery.LanDiscovery;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How a node is started; build with {@link #builder()}. Defaults follow the api contract: data dir
 * {@code ~/.wormholes}, UDP {@code 0.0.0.0:7447}, API {@code 127.0.0.1:0}, LAN discovery on,
 * network id 0, port mapping off (only {@code wormholed} turns it on: in-process nodes never talk to
 * the machine's gateway), serving as rendezvous/relay when public on.
 */
public final class NodeConfig {
  /** The default UDP port. */
  public static final int DEFAULT_PORT = 7447;

  private final Path dataDir;
  private final boolean inMemory;
  private final InetSocketAddress listen;
  private final List<InetSocketAddress> bootstrap;
  private final InetSocketAddress api;
  private final boolean lanDiscovery;
  private final InetSocketAddress lanGroup;
  private final long networkId;
  private final int idWorkBits;
  private final double ratePerSecond;
  private final long queryTimeoutMillis;
  private final EventLoopGroup eventLoopGroup;
  private final boolean streams;
  private final boolean publicNetwork;
  private final InetSocketAddress socks;
  private final boolean portMapping;
  private final boolean relay;
  private final boolean registerWhenPublic;
  private final List<String> mainlineRouters;
  private final InetSocketAddress metrics;

  private NodeConfig(Builder b) {
    this.dataDir = b.dataDir;
    this.inMemory = b.inMemory;
    this.listen = b.listen;
    this.bootstrap = List.copyOf(b.bootstrap);
    this.api = b.api;
    this.lanDiscovery = b.lanDiscovery;
    this.lanGroup = b.lanGroup;
    this.networkId = b.networkId;
    this.idWorkBits = b.idWorkBits;
    this.ratePerSecond = b.ratePerSecond;
    this.queryTimeoutMillis = b.queryTimeoutMillis;
    this.eventLoopGroup = b.eventLoopGroup;
    this.streams = b.streams;
    this.publicNetwork = b.publicNetwork;
    this.socks = b.socks;
    this.portMapping = b.portMapping;
    this.relay = b.relay;
    this.registerWhenPublic = b.registerWhenPublic;
    this.mainlineRouters = List.copyOf(b.mainlineRouters);
    this.metrics = b.metrics;
  }

  /** Return a builder with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Return the data directory (null for an in-memory node). */
  public Path dataDir() {
    return dataDir;
  }

  /** Return whether the node keeps its state in memory only (tests, benchmarks): no data dir files. */
  public boolean inMemory() {
    return inMemory;
  }

  /** Return the UDP address to bind. */
  public InetSocketAddress listen() {
    return listen;
  }

  /** Return the bootstrap endpoints. */
  public List<InetSocketAddress> bootstrap() {
    return bootstrap;
  }

  /** Return the control API address (loopback), or null for no API. */
  public InetSocketAddress api() {
    return api;
  }

  /** Return whether LAN multicast discovery runs. */
  public boolean lanDiscovery() {
    return lanDiscovery;
  }

  /** Return the multicast group and port of LAN discovery. */
  public InetSocketAddress lanGroup() {
    return lanGroup;
  }

  /** Return the network id (0: the public network). */
  public long networkId() {
    return networkId;
  }

  /**
   * Return the network's id work factor ({@code DhtConfig.idWorkBits}): the node's identity is
   * ground to it on first start, and its DHT refuses ids that lack it.
   */
  public int idWorkBits() {
    return idWorkBits;
  }

  /** Return the datagrams per second allowed per source IP before the DHT engine. */
  public double ratePerSecond() {
    return ratePerSecond;
  }

  /** Return how long API requests wait for a DHT query. */
  public long queryTimeoutMillis() {
    return queryTimeoutMillis;
  }

  /** Return a shared event loop group (from {@code Transports.newGroup}), or null for the node's own. */
  public EventLoopGroup eventLoopGroup() {
    return eventLoopGroup;
  }

  /** Return whether the node runs secure streams (QUIC on its UDP socket, exposures, SOCKS). */
  public boolean streams() {
    return streams;
  }

  /** Return whether the node is in the public network (false: private networks only, {@code --no-public}). */
  public boolean publicNetwork() {
    return publicNetwork;
  }

  /** Return the SOCKS proxy's address (loopback), or null for none; used only with {@link #streams()}. */
  public InetSocketAddress socks() {
    return socks;
  }

  /** Return whether the node asks its default gateway for a port mapping (PCP, NAT-PMP, UPnP). */
  public boolean portMapping() {
    return portMapping;
  }

  /** Return whether the node serves as rendezvous and relay while it is public. */
  public boolean relay() {
    return relay;
  }

  /** Return whether the node registers with rendezvous peers even when public (loopback tests). */
  public boolean registerWhenPublic() {
    return registerWhenPublic;
  }

  /**
   * Return the mainline DHT routers ({@code HOST:PORT}, resolved when the node starts); empty: the
   * node does not use mainline. Only the public network (id 0) ever uses it.
   */
  public List<String> mainlineRouters() {
    return mainlineRouters;
  }

  /** Return the loopback address serving Prometheus metrics at {@code /metrics}, or null for none. */
  public InetSocketAddress metrics() {
    return metrics;
  }

  /** Builder of {@link NodeConfig}. */
  public static final class Builder {
    private Path dataDir = Path.of(System.getProperty("user.home"), ".wormholes");
    private boolean inMemory;
    private InetSocketAddress listen = new InetSocketAddress("0.0.0.0", DEFAULT_PORT);
    private final List<InetSocketAddress> bootstrap = new ArrayList<>();
    private InetSocketAddress api = new InetSocketAddress("127.0.0.1", 0);
    private boolean lanDiscovery = true;
    private InetSocketAddress lanGroup = LanDiscovery.DEFAULT_GROUP;
    private long networkId;
    private int idWorkBits = dev.wormholes.dht.DhtConfig.PUBLIC_ID_WORK_BITS;
    private double ratePerSecond = 500;
    private long queryTimeoutMillis = 10_000;
    private EventLoopGroup eventLoopGroup;
    private boolean streams;
    private boolean publicNetwork = true;
    private InetSocketAddress socks = new InetSocketAddress("127.0.0.1", 0);
    private boolean portMapping;
    private boolean relay = true;
    private boolean registerWhenPublic;
    private final List<String> mainlineRouters = new ArrayList<>();
    private InetSocketAddress metrics;

    private Builder() {}

    /** Set the data directory. */
    public Builder dataDir(Path dir) {
      this.dataDir = dir;
      return this;
    }

    /** Keep all state in memory (no data dir, no api.* files). */
    public Builder inMemory(boolean on) {
      this.inMemory = on;
      return this;
    }

    /** Set the UDP address to bind. */
    public Builder listen(InetSocketAddress address) {
      this.listen = address;
      return this;
    }

    /** Add a bootstrap endpoint. */
    public Builder bootstrap(InetSocketAddress seed) {
      this.bootstrap.add(seed);
      return this;
    }

    /** Add bootstrap endpoints. */
    public Builder bootstrap(List<InetSocketAddress> seeds) {
      this.bootstrap.addAll(seeds);
      return this;
    }

    /** Set the control API address (must be loopback), or null for no API. */
    public Builder api(InetSocketAddress address) {
      this.api = address;
      return this;
    }

    /** Switch LAN discovery on or off. */
    public Builder lanDiscovery(boolean on) {
      this.lanDiscovery = on;
      return this;
    }

    /** Set LAN discovery's multicast group and port. */
    public Builder lanGroup(InetSocketAddress group) {
      this.lanGroup = group;
      return this;
    }

    /** Set the network id. */
    public Builder networkId(long id) {
      this.networkId = id;
      return this;
    }

    /**
     * Set the network's id work factor in bits (default {@code DhtConfig.PUBLIC_ID_WORK_BITS}, the
     * public network's; every node of a network must use the same value).
     */
    public Builder idWorkBits(int bits) {
      this.idWorkBits = bits;
      return this;
    }

    /** Set datagrams per second allowed per source IP (burst: twice that). */
    public Builder ratePerSecond(double rate) {
      this.ratePerSecond = rate;
      return this;
    }

    /** Set how long API requests wait for a DHT query. */
    public Builder queryTimeoutMillis(long ms) {
      this.queryTimeoutMillis = ms;
      return this;
    }

    /** Run on a shared event loop group (from {@code Transports.newGroup}); the node does not shut it down. */
    public Builder eventLoopGroup(EventLoopGroup group) {
      this.eventLoopGroup = group;
      return this;
    }

    /**
     * Switch secure streams on or off (default off in-process; {@code wormholed} turns them on):
     * the UDP socket then also carries QUIC, and exposures and the SOCKS proxy run.
     */
    public Builder streams(boolean on) {
      this.streams = on;
      return this;
    }

    /** Join the public network (default) or run private networks only (needs streams: the shared socket). */
    public Builder publicNetwork(boolean on) {
      this.publicNetwork = on;
      return this;
    }

    /** Set the SOCKS proxy address (must be loopback; port 0: any free one), or null for no proxy. */
    public Builder socks(InetSocketAddress address) {
      this.socks = address;
      return this;
    }

    /**
     * Switch port mapping on the default gateway on or off (default off; {@code wormholed} turns it
     * on unless {@code --no-port-mapping}). Needs streams (the NAT agent runs with them).
     */
    public Builder portMapping(boolean on) {
      this.portMapping = on;
      return this;
    }

    /** Serve as rendezvous and relay while public (default on; {@code --no-relay} turns it off). */
    public Builder relay(boolean on) {
      this.relay = on;
      return this;
    }

    /**
     * Register with rendezvous peers even when public (default off): on loopback every node looks
     * public, so tests of registration and punching turn this on.
     */
    public Builder registerWhenPublic(boolean on) {
      this.registerWhenPublic = on;
      return this;
    }

    /**
     * Use BitTorrent's mainline DHT through {@code routers} ({@code HOST:PORT}; default none, so
     * in-process nodes never touch it; {@code wormholed} passes the well-known routers unless told
     * otherwise). Ignored on a private network.
     */
    public Builder mainlineRouters(List<String> routers) {
      this.mainlineRouters.clear();
      this.mainlineRouters.addAll(routers);
      return this;
    }

    /** Serve Prometheus metrics at {@code /metrics} on {@code address} (must be loopback), or null for none (default). */
    public Builder metrics(InetSocketAddress address) {
      this.metrics = address;
      return this;
    }

    /** Return the config. */
    public NodeConfig build() {
      return new NodeConfig(this);
    }
  }
}
