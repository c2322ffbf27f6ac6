package dev.wormholes.node.mainline;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.wormholes.mainline.Compact;
import dev.wormholes.mainline.MainlineConfig;
import dev.wormholes.mainline.MainlineEngine;
import dev.wormholes.mainline.MainlineEvent;
import dev.wormholes.mainline.MainlineStats;
import dev.wormholes.mainline.MutableItem;
import dev.wormholes.nat.budget.SourceBudget;
import dev.wormholes.node.api.ApiJson;
import dev.wormholes.node.runtime.LoopTimer;
import dev.wormholes.node.runtime.MonotonicClock;
import dev.wormholes.node.runtime.ThrottledLog;
import dev.wormholes.node.runtime.Transports;
import dev.wormholes.node.runtime.UdpRuntime;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.engine.Transmit;
import dev.wormholes.proto.wire.Presence;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.slf4j.LoggerFactory;

/**
 * Drives a {@link MainlineEngine} on its own UDP socket (bound to the node's listen address, any
 * port) on the node's event loop, for the public network only:
 *
 * <ol>
 *   <li>bootstrap from the routers (resolved off the loop, once);
 *   <li>once mainline nodes tell it an address that is one of this machine's own (no NAT in
 *       between), take the node as reachable: leave BEP 43 read-only mode and announce the node's
 *       Wormholes UDP port under {@link PresenceItem#INFO_HASH}, every {@link #ANNOUNCE_MS};
 *   <li>while the overlay has no contacts, ask mainline for that info-hash every {@link
 *       #ALONE_RETRY_MS} and bootstrap the Wormholes DHT from the peers found;
 *   <li>publish the node's presence record as a BEP 44 item ({@link PresenceItem}) whenever its
 *       seq changes, and again every {@link #REPUBLISH_MS};
 *   <li>answer {@link #lookup} (a presence record by public key) for the API.
 * </ol>
 *
 * After every input the agent drains the engine ({@code pollTransmit}, {@code pollEvent}) and
 * re-arms its timer from {@code pollTimeout}; other threads only submit tasks to the loop.
 */
public final class MainlineAgent implements AutoCloseable {
  /** The routers used when {@code wormholed} is given neither {@code --mainline-router} nor {@code --no-mainline}. */
  public static final List<String> DEFAULT_ROUTERS = List.of("router.bittorrent.com:6881",
      "router.utorrent.com:6881", "dht.transmissionbt.com:6881", "dht.libtorrent.org:25401");
  /** How often a reachable node announces itself again. */
  static final long ANNOUNCE_MS = 15 * 60_000L;
  /** How often a node with no overlay contacts asks mainline for peers again. */
  static final long ALONE_RETRY_MS = 30_000L;
  /** How often the presence item is stored again although its seq did not change. */
  static final long REPUBLISH_MS = 30 * 60_000L;
  private static final long TICK_MS = 1_000L;
  private static final int MAX_BOOTSTRAP_PEERS = 8;
  /** What one source (IPv4 address, IPv6 /64) may send the mainline socket: datagrams/s and burst; a /24 or /48 four times that. */
  static final SourceBudget.Config SOURCE_BUDGET = SourceBudget.Config.perSource(5, 10, 4096);

  private final UdpRuntime runtime;
  private final Identity identity;
  private final EventLoop loop;
  private final List<String> routerNames;
  private final MainlineEngine engine;
  private final LoopTimer timer;
  private final ThrottledLog errorLog = new ThrottledLog(LoggerFactory.getLogger(MainlineAgent.class), 60_000);
  private final long startedAt = MonotonicClock.now();
  // Loop only.
  private Channel channel;
  private ScheduledFuture<?> ticker;
  private boolean bootstrapped;
  private boolean reachable;
  private long getPeersLookup = -1;
  private long nextGetPeers;
  private long putLookup = -1;
  private long publishedSeq = -1;
  private long republishAt;
  private int lastStoredTo;
  private int lastAnnouncedTo;
  private long firstPeerMs = -1;
  private long firstPeerQueries = -1;
  private final Map<Long, CompletableFuture<MutableItem>> gets = new HashMap<>();
  private final SourceBudget budget;
  private long overBudget; // datagrams dropped by the source budget before the engine saw them
  private volatile boolean closed;

  private MainlineAgent(UdpRuntime runtime, List<String> routerNames, RandomGenerator random) {
    this.runtime = runtime;
    this.identity = runtime.identity();
    this.loop = runtime.eventLoop();
    this.routerNames = List.copyOf(routerNames);
    // Read-only until mainline shows the node is reachable.
    this.engine = new MainlineEngine(MainlineConfig.defaults().withReadOnly(true), random);
    this.timer = new LoopTimer(loop, () -> guarded(() -> engine.handleTimeout(MonotonicClock.now())));
    SecureRandom keys = new SecureRandom();
    this.budget = new SourceBudget(SOURCE_BUDGET, keys.nextLong(), keys.nextLong());
  }

  /**
   * Start the agent of the node run by {@code runtime}: bind its socket on the node's listen
   * address, resolve {@code routers} ({@code HOST:PORT}) off the loop and bootstrap from them.
   */
  public static MainlineAgent start(UdpRuntime runtime, List<String> routers) {
    MainlineAgent a = new MainlineAgent(runtime, routers, new SecureRandom());
    a.bind();
    CompletableFuture.supplyAsync(() -> resolve(routers))
        .thenAccept(resolved -> a.loop.execute(() -> a.guarded(() -> a.engine.bootstrap(resolved, MonotonicClock.now()))));
    a.ticker = a.loop.scheduleAtFixedRate(() -> a.guarded(a::tick), TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    return a;
  }

  private void bind() {
    InetSocketAddress at = new InetSocketAddress(runtime.localAddress().getAddress(), 0);
    Bootstrap b = new Bootstrap().group(loop).channel(Transports.datagramChannel())
        .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(2048))
        .handler(new Inbound());
    try {
      channel = b.bind(at).sync().channel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while binding the mainline socket", e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot bind the mainline udp socket on " + at + ": " + e.getMessage(), e);
    }
  }

  private static List<InetSocketAddress> resolve(List<String> names) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (String n : names) {
      int colon = n.lastIndexOf(':');
      try {
        InetSocketAddress a = new InetSocketAddress(n.substring(0, colon).replace("[", "").replace("]", ""),
            Integer.parseInt(n.substring(colon + 1)));
        if (!a.isUnresolved() && a.getAddress().getAddress().length == 4) {
          out.add(a);
        }
      } catch (RuntimeException e) {
        LoggerFactory.getLogger(MainlineAgent.class).info("mainline router {} not usable: {}", n, e.toString());
      }
    }
    return out;
  }

  // ---- input

  private final class Inbound extends SimpleChannelInboundHandler<DatagramPacket> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
      long now = MonotonicClock.now();
      if (!budget.allow(p.sender().getAddress(), now)) {
        overBudget++;
        return;
      }
      guarded(() -> engine.handleDatagram(p.sender(), ByteBufUtil.getBytes(p.content()), now));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      errorLog.warn(MonotonicClock.now(), "mainline socket error", cause);
    }
  }

  // Run one input on the loop, then drain the engine and re-arm the timer.
  private void guarded(Runnable input) {
    if (closed) {
      return;
    }
    long now = MonotonicClock.now();
    try {
      input.run();
      drain(now);
    } catch (RuntimeException e) {
      errorLog.warn(now, "error in the mainline agent", e);
    }
  }

  private void drain(long now) {
    for (Transmit t; (t = engine.pollTransmit()) != null; ) {
      channel.write(new DatagramPacket(Unpooled.wrappedBuffer(t.payload()), t.to()));
    }
    channel.flush();
    for (MainlineEvent e; (e = engine.pollEvent()) != null; ) {
      onEvent(e, now);
    }
    long t = engine.pollTimeout();
    timer.arm(t < 0 ? Long.MAX_VALUE : t, now);
  }

  private void onEvent(MainlineEvent e, long now) {
    if (e instanceof MainlineEvent.Bootstrapped) {
      bootstrapped = true;
      nextGetPeers = now;
    } else if (e instanceof MainlineEvent.PeersFound p && p.lookup() == getPeersLookup) {
      getPeersLookup = -1;
      lastAnnouncedTo = p.announcedTo();
      offerPeers(p.peers(), now);
    } else if (e instanceof MainlineEvent.ItemFound f) {
      if (f.lookup() == putLookup) {
        putLookup = -1;
        lastStoredTo = f.storedTo();
      }
      CompletableFuture<MutableItem> waiting = gets.remove(f.lookup());
      if (waiting != null) {
        waiting.complete(f.item());
      }
    } else if (e instanceof MainlineEvent.Refused r) {
      CompletableFuture<MutableItem> waiting = gets.remove(r.lookup());
      if (waiting != null) {
        waiting.completeExceptionally(new IllegalStateException(r.reason()));
      }
      getPeersLookup = r.lookup() == getPeersLookup ? -1 : getPeersLookup;
      putLookup = r.lookup() == putLookup ? -1 : putLookup;
    }
  }

  // Peers of the public network from mainline: the overlay bootstraps from them while it has no contacts.
  private void offerPeers(List<InetSocketAddress> peers, long now) {
    InetSocketAddress self = runtime.localAddress();
    List<InetSocketAddress> others = peers.stream()
        .filter(p -> !(p.getPort() == self.getPort() && (p.getAddress().equals(self.getAddress()) || isLocal(p.getAddress()))))
        .limit(MAX_BOOTSTRAP_PEERS).toList();
    if (others.isEmpty()) {
      return;
    }
    runtime.call((dht, t) -> dht.contactCount() == 0 ? dht.bootstrap(others, t) : null);
    if (firstPeerMs < 0) {
      firstPeerMs = now - startedAt;
      firstPeerQueries = engine.stats().queriesSent();
    }
  }

  // ---- periodic work

  private void tick() {
    long now = MonotonicClock.now();
    updateReachability();
    if (!bootstrapped || engine.tableSize() == 0) {
      return;
    }
    if (getPeersLookup < 0 && now >= nextGetPeers) {
      getPeersLookup = engine.getPeers(PresenceItem.INFO_HASH, reachable ? runtime.localAddress().getPort() : 0, now);
      nextGetPeers = now + ALONE_RETRY_MS;
      runtime.call((dht, t) -> dht.contactCount()).thenAccept(n -> loop.execute(() -> {
        if (n > 0) {
          nextGetPeers = Math.max(nextGetPeers, MonotonicClock.now() + (reachable ? ANNOUNCE_MS : ANNOUNCE_MS * 4));
        }
      }));
    }
    if (putLookup < 0) {
      runtime.presence().thenAccept(view -> loop.execute(() -> guarded(() -> maybePublish(view))));
    }
  }

  private void updateReachability() {
    InetAddress ext = engine.externalAddress();
    boolean r = ext != null && isLocal(ext);
    if (r != reachable) {
      reachable = r;
      engine.setReadOnly(!r);
      if (r) {
        nextGetPeers = MonotonicClock.now(); // announce now
      }
    }
  }

  private static boolean isLocal(InetAddress a) {
    try {
      return a.isLoopbackAddress() || NetworkInterface.getByInetAddress(a) != null;
    } catch (SocketException e) {
      return false;
    }
  }

  private void maybePublish(UdpRuntime.PresenceView view) {
    long now = MonotonicClock.now();
    if (view.current() == null || putLookup >= 0) {
      return;
    }
    Optional<MutableItem> item = PresenceItem.of(identity, view.current());
    if (item.isEmpty() || (item.get().seq() == publishedSeq && now < republishAt)) {
      return;
    }
    putLookup = engine.putItem(item.get(), now);
    publishedSeq = item.get().seq();
    republishAt = now + REPUBLISH_MS;
  }

  // ---- commands (any thread)

  /**
   * Find the presence record of {@code publicKey} in mainline: completes with the record, or empty
   * when none was found or it does not verify (signature, key, network, seq, expiry).
   */
  public CompletableFuture<Optional<Presence>> lookup(byte[] publicKey) {
    CompletableFuture<MutableItem> f = new CompletableFuture<>();
    loop.execute(() -> guarded(() -> gets.put(engine.getItem(publicKey, PresenceItem.SALT, MonotonicClock.now()), f)));
    return f.thenApply(item -> item == null ? Optional.<Presence>empty()
        : PresenceItem.read(item, publicKey, System.currentTimeMillis()));
  }

  /** Complete with what {@code status} shows about mainline. */
  public CompletableFuture<JsonObject> status() {
    CompletableFuture<JsonObject> f = new CompletableFuture<>();
    loop.execute(() -> f.complete(statusJson()));
    return f;
  }

  private JsonObject statusJson() {
    JsonObject o = new JsonObject();
    o.addProperty("infoHash", ApiJson.hex(PresenceItem.INFO_HASH));
    o.addProperty("publicKey", ApiJson.hex(identity.publicKey()));
    o.addProperty("salt", new String(PresenceItem.SALT, java.nio.charset.StandardCharsets.US_ASCII));
    JsonArray routers = new JsonArray();
    routerNames.forEach(routers::add);
    o.add("routers", routers);
    o.addProperty("listen", channel == null ? "" : ApiJson.address((InetSocketAddress) channel.localAddress()));
    o.addProperty("nodeId", ApiJson.hex(engine.id()));
    o.addProperty("nodes", engine.tableSize());
    o.addProperty("reachable", reachable);
    o.addProperty("announcedTo", lastAnnouncedTo);
    o.addProperty("publishedSeq", publishedSeq);
    o.addProperty("storedTo", lastStoredTo);
    o.addProperty("firstPeerMs", firstPeerMs);
    o.addProperty("queriesAtFirstPeer", firstPeerQueries);
    MainlineStats s = engine.stats();
    o.addProperty("queriesSent", s.queriesSent());
    o.addProperty("responses", s.responses());
    o.addProperty("timeouts", s.timeouts());
    o.addProperty("answered", s.answered());
    o.addProperty("storesAcked", s.storesAcked());
    o.addProperty("dropped", s.droppedTotal() + overBudget);
    JsonObject drops = new JsonObject();
    s.drops().forEach((reason, n) -> drops.addProperty(reason.name(), n));
    drops.addProperty("OVER_BUDGET", overBudget);
    o.add("drops", drops);
    return o;
  }

  /** Return the addresses of the routing table's nodes (tests). */
  public CompletableFuture<List<Compact.Node>> nodes() {
    CompletableFuture<List<Compact.Node>> f = new CompletableFuture<>();
    loop.execute(() -> f.complete(engine.closest(engine.id(), Integer.MAX_VALUE)));
    return f;
  }

  @Override
  public void close() {
    closed = true;
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      loop.execute(() -> {
        timer.cancel();
        if (ticker != null) {
          ticker.cancel(false);
        }
        gets.values().forEach(g -> g.completeExceptionally(new IllegalStateException("the node is shutting down")));
        gets.clear();
        if (channel != null) {
          channel.close();
        }
        done.complete(null);
      });
      done.get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      if (channel != null) {
        channel.close();
      }
    }
  }
}
