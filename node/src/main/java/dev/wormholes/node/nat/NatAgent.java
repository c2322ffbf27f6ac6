package dev.wormholes.node.nat;

import dev.wormholes.dht.Contact;
import dev.wormholes.nat.NatBehaviour;
import dev.wormholes.nat.NatReport;
import dev.wormholes.nat.node.NatCore;
import dev.wormholes.nat.node.RelayCore;
import dev.wormholes.nat.node.NatCounters;
import dev.wormholes.nat.node.Observations;
import dev.wormholes.nat.node.PresencePolicy;
import dev.wormholes.nat.node.PunchedPath;
import dev.wormholes.nat.portmap.PortMapProtocol;
import dev.wormholes.nat.punch.PunchCodec;
import dev.wormholes.nat.punch.PunchTransmit;
import dev.wormholes.node.runtime.LocalAddresses;
import dev.wormholes.node.runtime.LoopTimer;
import dev.wormholes.node.runtime.MonotonicClock;
import dev.wormholes.node.runtime.ThrottledLog;
import dev.wormholes.node.runtime.UdpRuntime;
import dev.wormholes.node.stream.DatagramRoute;
import dev.wormholes.node.stream.StreamTransport;
import dev.wormholes.proto.Endpoints;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.Presence;
import io.netty.buffer.ByteBuf;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import dev.wormholes.node.runtime.Transports;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the nat/ engines inside the node, on the socket's event loop ({@link
 * StreamTransport#socketLoop()}, also the DHT runtime's loop): the decisions live in a sans-I/O
 * {@link NatCore}; this class feeds it the 0x0E datagrams of the shared socket, the DHT's
 * observed-address events and contacts, and timers, sends what it asks with {@link
 * StreamTransport#sendRaw}, keeps a port mapping on the default gateway ({@link PortMapDriver},
 * unless switched off), and tells the DHT runtime what the presence record says about the NAT
 * (MAPPED endpoint, NAT report, introducers).
 *
 * <p>Thread-safety: {@link #punch} and the getters may be called from any thread; everything else
 * happens on the loop. No exception escapes the loop: each is counted and logged (throttled).
 */
public final class NatAgent implements AutoCloseable, RelayCore.Host {
  private static final Logger LOG = LoggerFactory.getLogger(NatAgent.class);
  /** How often the DHT contacts are re-read (Observe targets, rendezvous candidates). */
  static final long HOUSEKEEPING_MS = 2_000;
  /** A punch never takes longer than this, whatever the engines do. */
  static final long PUNCH_LIMIT_MS = 20_000;
  /** A birthday socket carrying a path is closed after this long without QUIC. */
  static final long POOL_IDLE_MS = 10 * 60_000;

  /**
   * What the agent does.
   *
   * @param portMapping ask the default gateway for a port mapping (PCP, NAT-PMP, UPnP)
   * @param relay serve as rendezvous (and relay) while public
   * @param registerWhenPublic register with rendezvous peers even when public (loopback tests)
   */
  public record Options(boolean portMapping, boolean relay, boolean registerWhenPublic) {}

  private final StreamTransport transport;
  private final UdpRuntime runtime;
  private final Options options;
  private final EventLoop loop;
  private final ThrottledLog errorLog = new ThrottledLog(LOG, 1_000);
  // Event loop only.
  private NatCore core;
  private PortMapDriver mapper;
  private Channel side;
  // Birthday side sockets by core socket index; the peers whose QUIC goes through one of them.
  private final Map<Integer, ChannelFuture> pool = new HashMap<>();
  private final Map<InetSocketAddress, Integer> pinned = new HashMap<>();
  private final Map<Integer, Long> poolActive = new HashMap<>();
  private final DatagramRoute route = new DatagramRoute() {
    @Override
    public boolean send(InetSocketAddress recipient, ByteBuf packet) {
      return routeQuic(recipient, packet);
    }

    @Override
    public boolean handles(InetSocketAddress recipient) {
      return pinned.containsKey(recipient); // only peers behind a birthday side socket
    }
  };
  private final Map<Long, CompletableFuture<PunchedPath>> waiting = new HashMap<>();
  private final LoopTimer timer;
  private ScheduledFuture<?> housekeeping;
  private PresencePolicy.Nat pushed = PresencePolicy.Nat.NONE;
  private boolean dhtReadOnly;
  private boolean closed;
  // Read from any thread.
  private volatile boolean isPublic;
  private volatile boolean serving;
  private volatile List<Contact> rendezvous = List.of();
  private volatile NatReport report;
  private volatile boolean selfHard;
  private volatile IntSupplier relayCircuits = () -> 0;
  private volatile Supplier<Map<String, Long>> relayRefusals = Map::of;

  private NatAgent(StreamTransport transport, UdpRuntime runtime, Options options) {
    this.transport = transport;
    this.runtime = runtime;
    this.options = options;
    this.loop = transport.socketLoop();
    this.timer = new LoopTimer(loop, () -> guarded(this::onTimer));
  }

  /**
   * Start the agent for the node whose socket {@code transport} owns and whose DHT {@code runtime}
   * runs on the same loop; return once it listens for punch datagrams.
   */
  public static NatAgent start(StreamTransport transport, UdpRuntime runtime, Options options) {
    NatAgent a = new NatAgent(transport, runtime, options);
    a.runOnLoop(a::startOnLoop).join();
    return a;
  }

  private void startOnLoop() {
    InetSocketAddress bound = transport.localAddress();
    SecureRandom random = new SecureRandom(); // punch nonces and session ids must not be predictable
    NatCore.Settings s = NatCore.Settings.defaults(options.relay()).withRegisterWhenPublic(options.registerWhenPublic());
    core = new NatCore(runtime.identity(), bound, LocalAddresses.lanEndpoints(bound), s, random,
        System::currentTimeMillis);
    report = core.report();
    runtime.setSink(PunchCodec.MAGIC[0], (from, content) -> onDatagram(0, from, content));
    bindSideSocket(new InetSocketAddress(bound.getAddress(), 0));
    runtime.setObservationListener((by, observed) -> guarded(() -> {
      core.handleObservation(by, observed, MonotonicClock.now());
      after();
    }));
    housekeeping = loop.scheduleAtFixedRate(() -> guarded(this::housekeep), 0, HOUSEKEEPING_MS, TimeUnit.MILLISECONDS);
    if (options.portMapping()) {
      Optional<DefaultGateway> gw = DefaultGateway.find();
      if (gw.isEmpty()) {
        LOG.info("port mapping off: no default gateway with a private address in this namespace");
      } else if (!bound.getAddress().isAnyLocalAddress() && !bound.getAddress().equals(gw.get().local())) {
        LOG.info("port mapping off: the socket is bound to {}, not to {} on the gateway's network",
            bound.getAddress().getHostAddress(), gw.get().local().getHostAddress());
      } else {
        mapper = new PortMapDriver(loop, gw.get(), bound.getPort(), random, this::onMapping);
        mapper.start();
      }
    }
  }

  // ---- inputs (on the loop)

  private void onDatagram(int socket, InetSocketAddress from, ByteBuf content) {
    guarded(() -> {
      if (closed || content.readableBytes() > PunchCodec.MAX_SIZE) {
        return;
      }
      core.handleDatagram(socket, from, ByteBufUtil.getBytes(content), MonotonicClock.now());
      after();
    });
  }

  /**
   * Bind the side socket (socket 1 of the engines): filtering tests' fresh NAT mapping, and the
   * "other port" of dial-backs this node serves. Failure only costs those tests.
   */
  private void bindSideSocket(InetSocketAddress at) {
    new Bootstrap().group(loop).channel(Transports.datagramChannel())
        .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(PunchCodec.MAX_SIZE + 1))
        .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
          @Override
          protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
            onDatagram(1, p.sender(), p.content());
          }

          @Override
          public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("NAT side socket: {}", cause.toString());
          }
        })
        .bind(at).addListener(f -> {
          if (f.isSuccess()) {
            side = ((ChannelFuture) f).channel();
          } else {
            LOG.info("no NAT side socket on {}: {} (filtering tests off)", at, f.cause().toString());
          }
        });
  }

  private void housekeep() {
    if (closed) {
      return;
    }
    closeIdlePoolSockets(MonotonicClock.now());
    runtime.contacts().thenAccept(cs -> guarded(() -> {
      if (!closed) {
        core.handleContacts(cs, MonotonicClock.now());
        after();
      }
    }));
  }

  private void onTimer() {
    if (closed) {
      return;
    }
    core.handleTimeout(MonotonicClock.now());
    after();
  }

  private void onMapping(InetSocketAddress endpoint, PortMapProtocol protocol, long lifetimeS) {
    if (!closed) {
      core.handleMapping(endpoint, protocol, lifetimeS, MonotonicClock.now());
      after();
    }
  }

  /** Drain the core: send, complete punches, re-arm the timer, refresh the presence facts. */
  private void after() {
    for (Optional<PunchTransmit> t = core.pollTransmit(); t.isPresent(); t = core.pollTransmit()) {
      try {
        int socket = t.get().socket();
        DatagramPacket packet = new DatagramPacket(Unpooled.wrappedBuffer(t.get().payload()), t.get().to());
        if (socket == 0) {
          transport.sendRaw(t.get().to(), t.get().payload());
        } else if (socket == 1 && side != null) {
          side.writeAndFlush(packet);
        } else if (socket >= NatCore.BIRTHDAY_BASE) {
          poolSocket(socket).addListener(f -> {
            if (f.isSuccess()) {
              ((ChannelFuture) f).channel().writeAndFlush(packet);
            } else {
              packet.release();
            }
          });
        } else {
          packet.release();
        }
      } catch (RuntimeException e) {
        errorLog.warn(MonotonicClock.now(), "cannot send a punch datagram to " + t.get().to(), e);
      }
    }
    for (Optional<Observations.Observation> o = core.pollObservation(); o.isPresent(); o = core.pollObservation()) {
      runtime.addObservation(o.get().by(), o.get().observed());
    }
    for (Optional<NatCore.SidePath> p = core.pollSidePath(); p.isPresent(); p = core.pollSidePath()) {
      if (pinned.isEmpty()) {
        // Only while a path needs it: with a route installed the transport splits GSO batches.
        transport.addRoute(route);
      }
      pinned.put(p.get().peer(), p.get().socket()); // the route sends the peer's QUIC through it
      poolActive.put(p.get().socket(), MonotonicClock.now());
    }
    for (Optional<NatCore.Outcome> o = core.pollOutcome(); o.isPresent(); o = core.pollOutcome()) {
      CompletableFuture<PunchedPath> f = waiting.remove(o.get().request());
      if (f != null && o.get().path() != null) {
        f.complete(o.get().path());
      } else if (f != null) {
        f.completeExceptionally(new PunchFailedException(o.get().failure()));
      }
    }
    rearm();
    isPublic = core.isPublic();
    serving = core.serving();
    rendezvous = core.rendezvous();
    report = core.report();
    selfHard = core.selfHard();
    pushPresence();
  }

  private void pushPresence() {
    PresencePolicy.Nat facts = core.presenceFacts();
    if (!facts.equals(pushed)) {
      pushed = facts;
      runtime.setPresenceNat(facts);
    }
    boolean readOnly = core.dhtReadOnly();
    if (readOnly != dhtReadOnly) {
      dhtReadOnly = readOnly;
      runtime.call((engine, now) -> {
        engine.setReadOnly(readOnly, now);
        return null;
      });
    }
  }

  private void rearm() {
    if (!closed) {
      timer.arm(core.pollTimeout().orElse(Long.MAX_VALUE), MonotonicClock.now());
    }
  }

  private void guarded(Runnable r) {
    try {
      r.run();
    } catch (Throwable t) {
      if (t instanceof VirtualMachineError vme) {
        throw vme;
      }
      errorLog.warn(MonotonicClock.now(), "error in the NAT agent", t);
    }
  }

  private CompletableFuture<Void> runOnLoop(Runnable task) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    Runnable run = () -> {
      try {
        task.run();
        f.complete(null);
      } catch (Throwable t) {
        f.completeExceptionally(t);
      }
    };
    if (loop.inEventLoop()) {
      run.run();
    } else {
      loop.execute(run);
    }
    return f;
  }

  private <T> CompletableFuture<T> supplyOnLoop(Supplier<T> task) {
    CompletableFuture<T> f = new CompletableFuture<>();
    runOnLoop(() -> f.complete(task.get())).exceptionally(t -> {
      f.completeExceptionally(t);
      return null;
    });
    return f;
  }

  // ---- birthday side sockets

  /** Return the birthday side socket of core index {@code socket}, binding it on first use. */
  private ChannelFuture poolSocket(int socket) {
    ChannelFuture f = pool.get(socket);
    if (f != null) {
      return f;
    }
    f = new Bootstrap().group(loop).channel(Transports.datagramChannel())
        .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(1501))
        .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
          @Override
          protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
            onPoolDatagram(socket, p);
          }

          @Override
          public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("birthday socket: {}", cause.toString());
          }
        })
        .bind(new InetSocketAddress(transport.localAddress().getAddress(), 0));
    pool.put(socket, f);
    return f;
  }

  /** A datagram on a birthday socket: punch datagrams to the core, QUIC to the transport. */
  private void onPoolDatagram(int socket, DatagramPacket p) {
    ByteBuf content = p.content();
    if (content.readableBytes() == 0 || content.readableBytes() > 1500) {
      return;
    }
    byte first = content.getByte(content.readerIndex());
    if (first == PunchCodec.MAGIC[0]) {
      onDatagram(socket, p.sender(), content);
    } else if ((first & 0x40) != 0 && !closed) {
      // QUIC from the peer punched through this socket (its Initial can precede our own verdict).
      poolActive.put(socket, MonotonicClock.now());
      transport.injectQuic(p.sender(), content.retain());
    }
  }

  /** Send QUIC for a peer pinned to a birthday socket through that socket (socket loop). */
  private boolean routeQuic(InetSocketAddress recipient, ByteBuf packet) {
    if (packet.readableBytes() == 0 || (packet.getByte(packet.readerIndex()) & 0x40) == 0) {
      return false; // DHT and punch datagrams keep the main socket
    }
    Integer socket = pinned.get(recipient);
    ChannelFuture f = socket == null ? null : pool.get(socket);
    if (f == null || !f.isSuccess() || !f.channel().isActive()) {
      return false;
    }
    poolActive.put(socket, MonotonicClock.now());
    f.channel().writeAndFlush(new DatagramPacket(packet, recipient));
    return true;
  }

  /**
   * Close the birthday sockets no session needs: all unpinned ones once no punch session is in
   * progress, pinned ones after {@link #POOL_IDLE_MS} without QUIC.
   */
  private void closeIdlePoolSockets(long now) {
    boolean sessions = core.sessionCount() > 0;
    for (Integer socket : new ArrayList<>(pool.keySet())) {
      boolean isPinned = pinned.containsValue(socket);
      boolean idle = now - poolActive.getOrDefault(socket, 0L) > POOL_IDLE_MS;
      if (isPinned ? idle : !sessions) {
        pool.remove(socket).channel().close();
        pinned.values().removeIf(socket::equals);
        poolActive.remove(socket);
      }
    }
    if (pinned.isEmpty()) {
      transport.removeRoute(route);
    }
  }

  /** Return the number of birthday sockets open (tests). */
  int poolSockets() {
    return pool.size();
  }

  // ---- the API the node and the lead's dialer call

  /**
   * Punch a direct path to {@code target} through one of the introducers of its presence {@code
   * record} (tried in turn). Complete with the path, whose endpoint {@link
   * StreamTransport#connect} reaches; fail with {@link PunchFailedException} naming the reason.
   */
  public CompletableFuture<PunchedPath> punch(NodeId target, Presence record) {
    List<Contact> introducers = new ArrayList<>();
    for (dev.wormholes.proto.wire.Contact c : record.getIntroducersList()) {
      Optional<NodeId> id = NodeId.tryOf(c.getId().toByteArray());
      Optional<InetSocketAddress> at = Endpoints.fromWire(c.getEndpoint());
      if (id.isPresent() && at.isPresent()) {
        introducers.add(new Contact(id.get(), at.get()));
      }
    }
    CompletableFuture<PunchedPath> f = new CompletableFuture<>();
    runOnLoop(() -> {
      if (closed) {
        f.completeExceptionally(new PunchFailedException("the node is shutting down"));
        return;
      }
      long id = core.punch(target, introducers, MonotonicClock.now());
      waiting.put(id, f);
      after();
      f.whenComplete((p, t) -> loop.execute(() -> waiting.remove(id)));
    });
    return f.orTimeout(PUNCH_LIMIT_MS, TimeUnit.MILLISECONDS);
  }

  /** Return whether this node is public (peers see it at its own bound endpoint). */
  public boolean isPublic() {
    return isPublic;
  }

  /** Return the rendezvous peers this node is registered with (its introducers and relays). */
  @Override
  public List<Contact> rendezvous() {
    return rendezvous;
  }

  /**
   * Return where {@code id} registered with this node's rendezvous (its current NAT binding), if it
   * did. On the socket loop it answers at once; elsewhere it waits for the loop (at most 1 s).
   */
  @Override
  public Optional<InetSocketAddress> registered(NodeId id) {
    if (loop.inEventLoop()) {
      return core == null ? Optional.empty() : core.registered(id);
    }
    try {
      return supplyOnLoop(() -> core.registered(id)).get(1, TimeUnit.SECONDS);
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  /** Return whether this node serves as rendezvous (and so as relay) now: {@link NatCore#serving()}, readable from any thread. */
  @Override
  public boolean serving() {
    return serving;
  }

  /** Return the NAT report. */
  public boolean selfHard() {
    return selfHard;
  }

  /** Return the NAT report (thread-safe). */
  public NatReport report() {
    return report;
  }

  /**
   * Show the relay in the status: the circuits it carries from {@code circuits}, its refusals (added
   * to {@code refused}) from {@code refusals}.
   */
  public void setRelay(IntSupplier circuits, Supplier<Map<String, Long>> refusals) {
    this.relayCircuits = circuits;
    this.relayRefusals = refusals;
  }

  /** Return a status snapshot, taken on the loop. */
  public CompletableFuture<NatStatus> status() {
    return supplyOnLoop(() -> {
      long now = MonotonicClock.now();
      NatStatus.PortMapping pm = core.mapped() == null ? null
          : new NatStatus.PortMapping(core.mappedProtocol(), core.mapped(), core.mappedLifetimeS());
      NatCounters.Snapshot c = core.counters();
      Map<String, Long> refused = new java.util.LinkedHashMap<>(c.refused());
      if (mapper != null) {
        refused.put("port_mapping_wrong_source", mapper.refusedCount());
      }
      refused.putAll(relayRefusals.get());
      return new NatStatus(core.publicEndpoints(now), core.report(), core.isPublic(), pm, core.rendezvous(),
          core.serving(), core.registrations(), relayCircuits.getAsInt(), refused);
    });
  }

  /** Run {@code fn} with the core on the loop (tests). */
  <T> CompletableFuture<T> withCore(java.util.function.Function<NatCore, T> fn) {
    return supplyOnLoop(() -> fn.apply(core));
  }

  /**
   * Stop: delete the port mapping (waits up to ~2 s for the gateway's answer), stop listening,
   * cancel timers, fail punches in progress. Idempotent.
   */
  @Override
  public void close() {
    CompletableFuture<Void> mapped;
    try {
      mapped = runOnLoop(this::closeOnLoop).thenCompose(x -> closeMapper()).orTimeout(5, TimeUnit.SECONDS);
      mapped.join();
    } catch (RuntimeException e) {
      LOG.debug("NAT agent shutdown: {}", e.toString());
    }
  }

  private void closeOnLoop() {
    if (closed) {
      return;
    }
    closed = true;
    runtime.setSink(PunchCodec.MAGIC[0], null);
    runtime.setObservationListener(null);
    transport.removeRoute(route);
    pool.values().forEach(f -> f.channel().close());
    pool.clear();
    pinned.clear();
    if (side != null) {
      side.close();
    }
    timer.cancel();
    if (housekeeping != null) {
      housekeeping.cancel(false);
    }
    List<CompletableFuture<PunchedPath>> fs = new ArrayList<>(waiting.values());
    waiting.clear();
    fs.forEach(f -> f.completeExceptionally(new PunchFailedException("the node is shutting down")));
  }

  private CompletableFuture<Void> closeMapper() {
    if (mapper == null) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> f = new CompletableFuture<>();
    loop.execute(() -> mapper.stop().whenComplete((x, t) -> f.complete(null)));
    return f;
  }
}
