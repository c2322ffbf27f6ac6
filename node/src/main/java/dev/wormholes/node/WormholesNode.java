package dev.wormholes.node;

import com.google.common.io.BaseEncoding;
import dev.wormholes.dht.DhtConfig;
import dev.wormholes.nat.lan.LanAnnouncer;
import dev.wormholes.node.api.ApiRoutes;
import dev.wormholes.node.api.ControlApi;
import dev.wormholes.node.channels.ChannelService;
import dev.wormholes.node.discovery.LanDiscovery;
import dev.wormholes.node.mainline.MainlineAgent;
import dev.wormholes.node.metrics.MetricsServer;
import dev.wormholes.node.metrics.NodeMetrics;
import dev.wormholes.node.nat.NatAgent;
import dev.wormholes.node.networks.PrivateNetworks;
import dev.wormholes.node.runtime.RuntimeSettings;
import dev.wormholes.node.runtime.UdpRuntime;
import dev.wormholes.node.socks.SocksCredentials;
import dev.wormholes.node.store.DataDir;
import dev.wormholes.node.store.LmdbNodeStore;
import dev.wormholes.node.store.MemoryNodeStore;
import dev.wormholes.node.store.NodeStore;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.KeyProofs;
import dev.wormholes.proto.NodeId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A running node: its store (LMDB in the data dir, or memory), the UDP runtime with the DHT
 * engine, the control API and LAN discovery. Start with {@link #start}; {@link #close} shuts
 * everything down cleanly (routing snapshot saved, LMDB closed, {@code api.port} and the pid file
 * deleted). Usable in-process: tests start dozens of nodes in one JVM.
 */
public final class WormholesNode implements AutoCloseable {
  private final NodeConfig config;
  private final DataDir dataDir;
  private final FileChannel lockFile;
  private final NodeStore store;
  private final UdpRuntime runtime;
  private final String apiToken;
  private final ControlApi api;
  private final LanDiscovery discovery;
  private final NodeStreams streams;
  private final MainlineAgent mainline;
  private final MetricsServer metrics;
  private final PrivateNetworks networks;
  private final ChannelService channels;
  private final CompletableFuture<Void> shutdownRequested = new CompletableFuture<>();
  private final boolean lacksIdWork;
  private boolean closed;

  private WormholesNode(NodeConfig config) {
    this.config = config;
    this.dataDir = config.inMemory() ? null : DataDir.open(config.dataDir());
    this.lockFile = dataDir == null ? null : lock(dataDir);
    NodeStore s = null;
    UdpRuntime rt = null;
    ControlApi a = null;
    NodeStreams ns = null;
    MainlineAgent ml = null;
    MetricsServer m = null;
    PrivateNetworks pn = null;
    ChannelService cs = null;
    try {
      s = dataDir == null ? new MemoryNodeStore() : LmdbNodeStore.open(dataDir.db());
      SecureRandom random = new SecureRandom();
      Identity identity = identity(s);
      // With --no-public the public DHT answers nobody: it needs no id work of ours either.
      int idWorkBits = config.publicNetwork() ? config.idWorkBits() : 0;
      this.lacksIdWork = !KeyProofs.meetsWork(identity.id(), idWorkBits);
      DhtConfig dht = DhtConfig.builder().networkId(config.networkId()).idWorkBits(idWorkBits)
          .readOnly(lacksIdWork).build();
      RuntimeSettings rs = new RuntimeSettings(config.listen(), config.bootstrap(), dht,
          config.ratePerSecond(), 2 * config.ratePerSecond(), 4096, config.queryTimeoutMillis(),
          config.eventLoopGroup());
      NatAgent.Options nat = new NatAgent.Options(config.portMapping(), config.relay(), config.registerWhenPublic());
      ns = config.streams() ? new NodeStreams(identity, s, config.socks(), socksCredentials(random), nat) : null;
      rt = UdpRuntime.start(identity, s, rs, ns == null ? null : ns.opener());
      if (!config.publicNetwork()) {
        if (ns == null) {
          throw new IllegalArgumentException("private networks only (--no-public) needs secure streams on");
        }
        rt.refusePublic();
        ns.transport().refuseDirectQuic(); // QUIC only inside private networks' sealed datagrams
      }
      if (ns != null) {
        startStreams(ns, rt);
        pn = PrivateNetworks.start(rt, dataDir == null ? null : dataDir.root().resolve("networks"));
        pn.attach(ns.transport());
        ns.networks(pn);
        cs = ChannelService.open(identity,
            dataDir == null ? null : dataDir.root().resolve("channels"), ns.people());
        cs.attach(ns.transport(), ns.dialer());
      }
      // Private networks never touch mainline.
      if (!config.mainlineRouters().isEmpty() && config.networkId() == 0 && config.publicNetwork()) {
        ml = MainlineAgent.start(rt, config.mainlineRouters());
      }
      byte[] token = new byte[32];
      random.nextBytes(token);
      this.apiToken = BaseEncoding.base16().lowerCase().encode(token);
      if (config.api() != null) {
        ApiRoutes routes = new ApiRoutes(rt, this::apiAddress, () -> shutdownRequested.complete(null), ns,
            ns == null ? null : ns.nat(), ml);
        if (ns != null) {
          routes.people(ns.people());
          routes.networks(pn);
          routes.whispers(ns.whispers());
          routes.channels(cs);
        }
        if (dataDir != null) {
          dataDir.writeAtomically(dataDir.apiTokenFile(), apiToken + "\n");
        }
        a = ControlApi.start(config.api(), apiToken, routes);
      }
      if (config.metrics() != null) {
        m = MetricsServer.start(config.metrics(), new NodeMetrics(rt, ns, s, cs));
      }
    } catch (RuntimeException e) {
      closeQuietly(m, a, ml, cs, pn, ns, rt, s);
      releaseLock();
      throw e;
    }
    this.store = s;
    this.runtime = rt;
    this.api = a;
    this.streams = ns;
    this.mainline = ml;
    this.metrics = m;
    this.networks = pn;
    this.channels = cs;
    this.discovery = config.lanDiscovery() && config.publicNetwork() ? startDiscovery() : null;
    writeRunFiles();
  }

  // The node's identity: the stored one, or on first start a new one ground to the network's id
  // work (2^bits key pairs, on every core, each worker with its own SecureRandom). A stored one
  // without that work (made before the network required it) is never replaced here: its id is this
  // node's address in others' allow lists and contact books, and its key is the device key in this
  // node's persona, so changing it is the person's decision. Other nodes answer only its read-only DHT requests, so its public DHT engine runs
  // read-only for good (it looks up, stores and connects out, but is nobody's contact);
  // private networks (--no-public) admit members by roster and need no work.
  private Identity identity(NodeStore s) {
    return Identity.fromSeed(s.identitySeed(
        () -> IdGrinder.grind(config.idWorkBits(), IdGrinder.workers(), w -> new SecureRandom()).seed()));
  }

  /**
   * Return whether this node's identity lacks the public network's id work (it was stored before
   * the network required it), so that its public DHT runs read-only for good; false with {@code
   * --no-public}.
   */
  public boolean lacksIdWork() {
    return lacksIdWork;
  }

  /**
   * Return the one line a daemon prints when {@link #lacksIdWork()}: what runs read-only and how to
   * get a full identity.
   */
  public String idWorkNotice() {
    NodeId id = id();
    return "wormholed: this node's identity " + id + " has " + KeyProofs.work(id) + " bits of id work and the"
        + " public network requires " + config.idWorkBits() + " (it was made before the network required them),"
        + " so it runs read-only in the public DHT: it looks up, stores and connects out, but no node keeps it"
        + " as a contact. For a full identity start with a new data directory (--data DIR): a new node id and"
        + " persona; this one keeps the old ones.";
  }

  /** Start a node with {@code config}; throw if its socket, API or data dir cannot be opened. */
  public static WormholesNode start(NodeConfig config) {
    return new WormholesNode(config);
  }

  // The SOCKS login: kept in DATA/socks.auth (0600) across starts, made on first use; per node in memory.
  private SocksCredentials socksCredentials(SecureRandom random) {
    if (dataDir == null) {
      return SocksCredentials.generate(random);
    }
    String held = dataDir.readOrNull(dataDir.socksAuthFile());
    Optional<SocksCredentials> c = held == null ? Optional.empty() : SocksCredentials.parse(held);
    if (c.isPresent()) {
      return c.get();
    }
    SocksCredentials fresh = SocksCredentials.generate(random);
    dataDir.writeAtomically(dataDir.socksAuthFile(), fresh + "\n");
    return fresh;
  }

  private static void startStreams(NodeStreams ns, UdpRuntime rt) {
    try {
      ns.start(rt);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting streams", e);
    }
  }

  private static FileChannel lock(DataDir dir) {
    try {
      java.nio.file.Path lockPath = dir.root().resolve("wormholed.lock");
      FileChannel ch = FileChannel.open(lockPath, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(DataDir.FILE_PERMS));
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        l = null;
      }
      if (l == null) {
        ch.close();
        throw new IllegalStateException("another wormholed is running for data dir " + dir.root());
      }
      return ch;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock data dir " + dir.root(), e);
    }
  }

  private LanDiscovery startDiscovery() {
    return LanDiscovery.start(config.lanGroup(), id(), runtime.localAddress().getPort(), config.networkId(),
        heard -> runtime.call((e, now) -> LanAnnouncer.joinThrough(e, heard, now)));
  }

  private void writeRunFiles() {
    if (dataDir == null) {
      return;
    }
    dataDir.writeAtomically(dataDir.pidFile(), ProcessHandle.current().pid() + "\n");
    if (api != null) {
      dataDir.writeAtomically(dataDir.apiPortFile(), "127.0.0.1:" + api.localAddress().getPort() + "\n");
    }
    InetSocketAddress socks = socksAddress();
    if (socks != null) {
      dataDir.writeAtomically(dataDir.socksPortFile(), "127.0.0.1:" + socks.getPort() + "\n");
      dataDir.writeAtomically(dataDir.socksUrlFile(), streams.socksCredentials().url("127.0.0.1:" + socks.getPort()) + "\n");
    }
  }

  /** Return the node id. */
  public NodeId id() {
    return runtime.identity().id();
  }

  /** Return the UDP runtime (engine access for tests and the API). */
  public UdpRuntime runtime() {
    return runtime;
  }

  /** Return the bound UDP address. */
  public InetSocketAddress udpAddress() {
    return runtime.localAddress();
  }

  /** Return the control API's bound address, or null if it has none. */
  public InetSocketAddress apiAddress() {
    return api == null ? null : api.localAddress();
  }

  /** Return the metrics listener's bound address, or null if the node serves no metrics. */
  public InetSocketAddress metricsAddress() {
    return metrics == null ? null : metrics.localAddress();
  }

  /** Return the SOCKS proxy's bound address, or null if the node runs none. */
  public InetSocketAddress socksAddress() {
    return streams == null ? null : streams.socksAddress();
  }

  /** Return the SOCKS proxy's username and password, or null if the node runs none. */
  public SocksCredentials socksCredentials() {
    return streams == null ? null : streams.socksCredentials();
  }

  /** Return the node's secure streams, or null if they are off. */
  public NodeStreams streams() {
    return streams;
  }

  /** Return the mainline DHT agent, or null if the node does not use mainline. */
  public MainlineAgent mainline() {
    return mainline;
  }

  /** Return the node's private networks, or null without streams. */
  public PrivateNetworks networks() {
    return networks;
  }

  /** Return the control API bearer token. */
  public String apiToken() {
    return apiToken;
  }

  /** Return a future completed when {@code POST /v1/shutdown} asks the node to stop. */
  public CompletableFuture<Void> shutdownRequested() {
    return shutdownRequested;
  }

  /** Shut down: discovery, metrics, API, runtime (saves the routing snapshot), store; delete run files. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    closeQuietly(discovery, metrics, api, mainline, channels, networks, streams, runtime, store);
    if (dataDir != null) {
      dataDir.deleteQuietly(dataDir.socksPortFile());
      dataDir.deleteQuietly(dataDir.socksUrlFile());
      dataDir.deleteQuietly(dataDir.apiPortFile());
      dataDir.deleteQuietly(dataDir.pidFile());
    }
    releaseLock();
  }

  private void releaseLock() {
    if (lockFile != null) {
      try {
        lockFile.close();
      } catch (IOException e) {
        // released with the process anyway
      }
    }
  }

  private static void closeQuietly(AutoCloseable... cs) {
    for (AutoCloseable c : cs) {
      if (c == null) {
        continue;
      }
      try {
        c.close();
      } catch (Exception e) {
        org.slf4j.LoggerFactory.getLogger(WormholesNode.class).warn("error while closing {}", c, e);
      }
    }
  }
}
