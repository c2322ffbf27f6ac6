package dev.wormholes.node.runtime;

import dev.wormholes.dht.Contact;
import dev.wormholes.dht.DhtEngine;
import dev.wormholes.dht.DhtEvent;
import dev.wormholes.dht.QueryResult;
import dev.wormholes.dht.Rejoin;
import dev.wormholes.nat.budget.SourceBudget;
import dev.wormholes.nat.AddressObserver;
import dev.wormholes.nat.node.PresencePolicy;
import dev.wormholes.node.store.NodeStore;
import dev.wormholes.proto.CachingValidator;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.Limits;
import dev.wormholes.proto.ValueValidator;
import dev.wormholes.proto.engine.Transmit;
import dev.wormholes.proto.wire.StoredValue;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty driver of one {@link DhtEngine}: one UDP socket, one event loop, one timer.
 *
 * <p>Input path (event loop only): a datagram is read whole into a buffer of {@code
 * Limits.MAX_DATAGRAM + 1} bytes (Netty's default 2048 would truncate silently);
 * one longer than the limit is dropped unparsed; then {@link #demux} looks at the first
 * byte; then the per-source {@link SourceBudget}; then the engine. On a shared socket the same
 * budget also guards the other protocols' first bytes (0x0E punch and rendezvous, 0x0F relay,
 * installed with {@link #setSink}): one budget per source across all of them, spent before any
 * parsing or signature check. After every input (datagram,
 * timer, command) the runtime drains {@code pollTransmit} and {@code pollEvent} until both are empty
 * and re-arms its single timer from {@code pollTimeout}. No exception escapes the loop: each is
 * caught, counted in {@link RuntimeCounters#loopErrors} and logged at most once per second.
 *
 * <p>Other threads call {@link #query} and {@link #call}; both run on the loop and answer through a
 * {@link CompletableFuture} (queries complete when their {@code QueryFinished} event arrives, or
 * time out).
 */
public final class UdpRuntime implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(UdpRuntime.class);
  private static final long HOUSEKEEPING_MS = 2_000;
  private static final long SNAPSHOT_MS = 60_000;
  private static final long SNAPSHOT_CHANGED_MS = 5_000;
  // Verdicts of value signatures the node remembers (a record seen from many holders is checked once).
  private static final int VERIFIED_RECORDS = 4096;

  /** Start a query on the engine and return its id (runs on the loop). */
  @FunctionalInterface
  public interface Command {
    /** Start the query at {@code now} and return its query id. */
    long start(DhtEngine engine, long now);
  }

  private final Identity identity;
  private final NodeStore store;
  private final RuntimeSettings settings;
  private final DhtEngine engine;
  private final RuntimeCounters counters = new RuntimeCounters();
  private final SourceBudget limiter;
  private final ThrottledLog errorLog = new ThrottledLog(LOG, 1_000);
  private final boolean ownGroup;
  private final EventLoopGroup group;
  private final EventLoop loop;

  // Event loop only.
  private final Map<Long, CompletableFuture<QueryResult>> pending = new HashMap<>();
  private PresencePolicy presence;
  private volatile java.util.function.BiConsumer<Contact, InetSocketAddress> observationListener;
  private Channel channel;
  private InetSocketAddress bound;
  private final LoopTimer timer;
  private ScheduledFuture<?> housekeeping;
  private long lastSnapshotAt;
  private int lastSnapshotHash;
  private List<Contact> snapshot = List.of();
  private Rejoin rejoin;
  private volatile boolean closed;
  /** Private networks only ({@code wormholed --no-public}): the public network's datagrams are dropped unanswered. */
  private volatile boolean publicOff;

  private final SharedSocket.Opener opener;
  private SharedSocket shared; // set once by bind, on the starting thread

  private UdpRuntime(Identity identity, NodeStore store, RuntimeSettings settings, SharedSocket.Opener opener) {
    this.opener = opener;
    this.identity = identity;
    this.store = store;
    this.settings = settings;
    this.engine = new DhtEngine(identity, settings.dht(), new SecureRandom(), System::currentTimeMillis,
        new CachingValidator(ValueValidator.forNetwork(settings.dht().networkId()), VERIFIED_RECORDS), store.values());
    SecureRandom keys = new SecureRandom();
    this.limiter = new SourceBudget(SourceBudget.Config.perSource(settings.ratePerSecond(), settings.rateBurst(),
        settings.rateSlots()), keys.nextLong(), keys.nextLong());
    this.ownGroup = settings.group() == null;
    this.group = ownGroup ? Transports.newGroup(1, "wormholes-udp") : settings.group();
    this.loop = group.next();
    this.timer = new LoopTimer(loop, () -> guarded(this::onTimer));
  }

  /**
   * Bind the socket, feed the routing snapshot to the engine, start joining (bootstrap seeds, or a
   * self-lookup from the snapshot) and return the running runtime. Throw if the bind fails.
   */
  public static UdpRuntime start(Identity identity, NodeStore store, RuntimeSettings settings) {
    return start(identity, store, settings, null);
  }

  /**
   * Like {@link #start(Identity, NodeStore, RuntimeSettings)}, but on a socket that {@code opener}
   * binds on the runtime's event loop and shares with another protocol (null: the runtime's own).
   */
  public static UdpRuntime start(Identity identity, NodeStore store, RuntimeSettings settings,
      SharedSocket.Opener opener) {
    UdpRuntime rt = new UdpRuntime(identity, store, settings, opener);
    try {
      rt.bind();
      rt.onLoop(rt::join).join();
    } catch (RuntimeException e) {
      rt.close();
      throw e;
    }
    return rt;
  }

  private void bind() {
    if (opener != null) {
      bindShared();
      return;
    }
    Bootstrap b = new Bootstrap()
        .group(loop)
        .channel(Transports.datagramChannel())
        .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(Limits.MAX_DATAGRAM + 1))
        // Bursts of lookups arrive faster than one loop drains them; a small buffer drops them.
        .option(ChannelOption.SO_RCVBUF, 4 << 20)
        .option(ChannelOption.SO_SNDBUF, 1 << 20)
        .handler(new Inbound());
    try {
      channel = b.bind(settings.listen()).sync().channel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while binding " + settings.listen(), e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot bind udp " + settings.listen() + ": " + e.getMessage(), e);
    }
    bound = (InetSocketAddress) channel.localAddress();
    presence = new PresencePolicy(identity, settings.dht().networkId(), LocalAddresses.lanEndpoints(bound));
  }

  private void bindShared() {
    try {
      shared = opener.open(loop, settings.listen(), this::onSharedDatagram);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while binding " + settings.listen(), e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot bind udp " + settings.listen() + ": " + e.getMessage(), e);
    }
    bound = shared.localAddress();
    presence = new PresencePolicy(identity, settings.dht().networkId(), LocalAddresses.lanEndpoints(bound));
  }

  /** A datagram from the shared socket (on the loop): the same path as our own socket's. */
  private void onSharedDatagram(InetSocketAddress from, ByteBuf content) {
    long now = MonotonicClock.now();
    try {
      if (closed) {
        return;
      }
      demux(from, content, now);
      drain(now);
    } catch (Throwable t) {
      onLoopError(now, "error handling a datagram from " + from, t);
    }
  }

  /**
   * Deliver the shared socket's datagrams of first byte {@code first} to {@code sink} on the loop
   * with no budget spent: the sink spends it itself ({@link #charge}) where it must (a private
   * network's sealed datagrams from sources that have not yet sealed correctly). Null removes it.
   */
  public void setUnbudgetedSink(int first, SharedSocket.Inbound sink) {
    if (shared == null) {
      throw new IllegalStateException("no shared socket: nothing else arrives on this runtime's socket");
    }
    shared.setSink(first, sink == null ? null : (from, content) -> {
      if (!closed) {
        sink.onDatagram(from, content);
      }
    });
  }

  /**
   * Spend one datagram of {@code from}'s per-source budget; return false (counted in {@link
   * RuntimeCounters#droppedRateLimited}) if it is spent. Call on the loop.
   */
  public boolean charge(InetSocketAddress from) {
    if (limiter.allow(from.getAddress(), MonotonicClock.now())) {
      return true;
    }
    counters.droppedRateLimited.incrementAndGet();
    return false;
  }

  /**
   * Deliver the shared socket's datagrams of first byte {@code first} (0x0E punch, 0x0F relay; not
   * the DHT's) to {@code sink} on the loop, each only if its source is within the per-source
   * budget (over it: dropped and counted in {@link RuntimeCounters#droppedRateLimited}); null
   * removes it. Needs a shared socket.
   */
  public void setSink(int first, SharedSocket.Inbound sink) {
    if (shared == null) {
      throw new IllegalStateException("no shared socket: nothing else arrives on this runtime's socket");
    }
    boolean publicProtocol = first == 0x0E || first == 0x0F;
    shared.setSink(first, sink == null ? null : (from, content) -> {
      if (closed) {
        return;
      }
      if (publicOff && publicProtocol) {
        counters.droppedPublicOff.incrementAndGet();
        return;
      }
      if (!limiter.allow(from.getAddress(), MonotonicClock.now())) {
        counters.droppedRateLimited.incrementAndGet();
        return;
      }
      sink.onDatagram(from, content);
    });
  }

  private void flush() {
    if (channel != null) {
      channel.flush();
    }
  }

  private void join(long now) {
    snapshot = store.loadRoutingSnapshot();
    for (Contact c : snapshot) {
      engine.addContact(c, now);
    }
    if (!settings.seeds().isEmpty()) {
      internal(engine.bootstrap(settings.seeds(), now), r -> maybePublish());
    } else if (engine.contactCount() > 0) {
      internal(engine.findNode(identity.id(), now), r -> maybePublish());
    }
    rejoin = new Rejoin(2 * HOUSEKEEPING_MS, 60_000, now + HOUSEKEEPING_MS);
    lastSnapshotAt = now;
    housekeeping = loop.scheduleAtFixedRate(() -> guarded(this::housekeep),
        HOUSEKEEPING_MS, HOUSEKEEPING_MS, TimeUnit.MILLISECONDS);
  }

  // ---- input

  private final class Inbound extends SimpleChannelInboundHandler<DatagramPacket> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
      long now = MonotonicClock.now();
      try {
        demux(packet.sender(), packet.content(), now);
        drain(now);
      } catch (Throwable t) {
        onLoopError(now, "error handling a datagram from " + packet.sender(), t);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      onLoopError(MonotonicClock.now(), "udp socket error", cause);
    }
  }

  /**
   * Route one datagram: the single place where protocols sharing the socket are told apart. DHT
   * packets start with {@code Limits.FIRST_BYTE}; QUIC packets (later) have the 0x40 bit set.
   */
  private void demux(InetSocketAddress from, ByteBuf content, long now) {
    counters.datagramsIn.incrementAndGet();
    int len = content.readableBytes();
    if (len > Limits.MAX_DATAGRAM) {
      counters.droppedOversized.incrementAndGet();
      return;
    }
    if (len == 0) {
      counters.droppedEmpty.incrementAndGet();
      return;
    }
    if (content.getByte(content.readerIndex()) != Limits.FIRST_BYTE) {
      counters.droppedNotDht.incrementAndGet(); // with streams on, QUIC never gets here (QuicDemultiplexer)
      return;
    }
    if (publicOff) {
      counters.droppedPublicOff.incrementAndGet();
      return;
    }
    if (!limiter.allow(from.getAddress(), now)) {
      counters.droppedRateLimited.incrementAndGet();
      return;
    }
    counters.dhtIn.incrementAndGet();
    engine.handleDatagram(from, ByteBufUtil.getBytes(content), now);
  }

  private void onTimer() {
    long now = MonotonicClock.now();
    if (now >= engine.pollTimeout()) {
      engine.handleTimeout(now);
    }
    drain(now);
    flush();
  }

  private void housekeep() {
    long now = MonotonicClock.now();
    maybeRejoin(now);
    maybePublish();
    maybeSaveSnapshot(now);
    drain(now);
    flush();
  }

  /**
   * Save the routing snapshot every minute, and within {@link #SNAPSHOT_CHANGED_MS} of a change
   * to the routing table, so that a node killed soon after joining can still rejoin without flags.
   */
  private void maybeSaveSnapshot(long now) {
    List<Contact> contacts = engine.contacts();
    int hash = contacts.hashCode();
    boolean changed = hash != lastSnapshotHash && now - lastSnapshotAt >= SNAPSHOT_CHANGED_MS;
    if (changed || now - lastSnapshotAt >= SNAPSHOT_MS) {
      lastSnapshotAt = now;
      lastSnapshotHash = hash;
      store.saveRoutingSnapshot(contacts);
    }
  }

  /**
   * Keep joining while the routing table is thin, as {@link Rejoin} says (waits of 4 s doubling to
   * a minute): with an empty table (every seed or snapshot contact failed, e.g. a lost ping)
   * bootstrap again from the seeds and the snapshot's addresses; with fewer than k contacts look up
   * our own id again (in a tiny network that costs one lookup a minute).
   */
  private void maybeRejoin(long now) {
    int contacts = engine.contactCount();
    List<InetSocketAddress> seeds = new ArrayList<>();
    if (contacts == 0) {
      seeds.addAll(settings.seeds());
      for (Contact c : snapshot) {
        if (seeds.size() < 64 && !seeds.contains(c.address())) {
          seeds.add(c.address());
        }
      }
    }
    switch (rejoin.poll(contacts, settings.dht().k(), !seeds.isEmpty(), now)) {
      case FIND_SELF -> internal(engine.findNode(identity.id(), now), r -> maybePublish());
      case BOOTSTRAP -> internal(engine.bootstrap(seeds, now), r -> maybePublish());
      case NONE -> { }
    }
  }

  private void maybePublish() {
    long wall = System.currentTimeMillis();
    int contacts = engine.contactCount();
    long now = MonotonicClock.now();
    if (presence.due(contacts, wall, now)) {
      StoredValue record = presence.next(store.nextPresenceSeq(), wall, contacts, now);
      internal(engine.publish(record, MonotonicClock.now()), r -> { });
    }
  }

  // ---- output

  /**
   * Drain every output of the engine, handle its events, and re-arm the timer. Loop only. The
   * datagrams of a turn that wrote values are sent once the store has made those writes durable
   * (a PUT is acknowledged only then); a turn that wrote nothing sends at once.
   */
  private void drain(long now) {
    List<Transmit> out = new ArrayList<>();
    boolean more = true;
    while (more) {
      more = false;
      for (Transmit t = engine.pollTransmit(); t != null; t = engine.pollTransmit()) {
        more = true;
        out.add(t);
      }
      for (DhtEvent e = engine.pollEvent(); e != null; e = engine.pollEvent()) {
        more = true;
        onEvent(e);
      }
    }
    CompletableFuture<Void> durable = store.sealWrites();
    if (durable == null) {
      out.forEach(this::send);
    } else if (!out.isEmpty()) {
      durable.whenComplete((v, failed) -> loop.execute(() -> {
        if (closed) {
          return;
        }
        if (failed == null) {
          out.forEach(this::send);
        } else {
          onLoopError(MonotonicClock.now(), "value store write failed; " + out.size() + " datagrams not sent", failed);
        }
      }));
    }
    rearm(now);
  }

  private void send(Transmit t) {
    if (publicOff) {
      return;
    }
    if (t.payload().length > Limits.MAX_DATAGRAM) {
      onLoopError(MonotonicClock.now(), "engine produced a " + t.payload().length + "-byte datagram", null);
      return;
    }
    counters.datagramsOut.incrementAndGet();
    if (shared != null) {
      shared.send(t.to(), t.payload());
      return;
    }
    channel.write(new DatagramPacket(Unpooled.wrappedBuffer(t.payload()), t.to()), channel.voidPromise());
  }

  private void onEvent(DhtEvent e) {
    if (e instanceof DhtEvent.QueryFinished f) {
      CompletableFuture<QueryResult> c = pending.remove(f.queryId());
      if (c != null) {
        c.complete(f.result());
      }
    } else if (e instanceof DhtEvent.AddressObserved o) {
      presence.handleObservation(o.by().id(), o.by().address(), o.observed(), MonotonicClock.now());
      java.util.function.BiConsumer<Contact, InetSocketAddress> l = observationListener;
      if (l != null) {
        l.accept(o.by(), o.observed());
      }
    }
  }

  private void rearm(long now) {
    if (!closed) {
      timer.arm(engine.pollTimeout(), now);
    }
  }

  private void internal(long queryId, Consumer<QueryResult> onDone) {
    CompletableFuture<QueryResult> f = new CompletableFuture<>();
    f.thenAccept(onDone); // completes on the loop, so the callback runs there
    pending.put(queryId, f);
  }

  // ---- commands from other threads

  /**
   * Run {@code command} on the loop and complete with its query's result, or exceptionally with
   * a {@link java.util.concurrent.TimeoutException} after the configured query timeout.
   */
  public CompletableFuture<QueryResult> query(Command command) {
    CompletableFuture<QueryResult> f = new CompletableFuture<>();
    execute(f, () -> {
      long now = MonotonicClock.now();
      long id = command.start(engine, now);
      pending.put(id, f);
      f.whenComplete((r, t) -> {
        if (t != null && !closed) {
          loop.execute(() -> pending.remove(id)); // timed out: forget it
        }
      });
      drain(now);
      flush();
    });
    return f.orTimeout(settings.queryTimeoutMillis(), TimeUnit.MILLISECONDS);
  }

  /** Run {@code fn} with the engine and the runtime's view of itself on the loop; complete with its value. */
  public <T> CompletableFuture<T> call(BiFunction<DhtEngine, Long, T> fn) {
    CompletableFuture<T> f = new CompletableFuture<>();
    execute(f, () -> {
      long now = MonotonicClock.now();
      T value = fn.apply(engine, now);
      drain(now);
      flush();
      f.complete(value);
    });
    return f;
  }

  private CompletableFuture<Void> onLoop(java.util.function.LongConsumer task) {
    return call((e, now) -> {
      task.accept(now);
      return null;
    });
  }

  private void execute(CompletableFuture<?> f, Runnable task) {
    if (closed) {
      f.completeExceptionally(new IllegalStateException("the node is shutting down"));
      return;
    }
    try {
      loop.execute(() -> {
        try {
          task.run();
        } catch (Throwable t) {
          f.completeExceptionally(t);
          onLoopError(MonotonicClock.now(), "error running a command", t);
        }
      });
    } catch (RuntimeException e) {
      f.completeExceptionally(new IllegalStateException("the node is shutting down", e));
    }
  }

  private void guarded(Runnable r) {
    try {
      r.run();
    } catch (Throwable t) {
      onLoopError(MonotonicClock.now(), "error on the event loop", t);
    }
  }

  private void onLoopError(long now, String what, Throwable t) {
    counters.loopErrors.incrementAndGet();
    if (t instanceof VirtualMachineError vme) {
      throw vme;
    }
    errorLog.warn(now, what, t);
  }

  /**
   * Run on private networks only: from now on every datagram of the public network (DHT 0x0D,
   * punch 0x0E, relay 0x0F) is dropped unanswered and counted in {@link
   * RuntimeCounters#droppedPublicOff}, and the public DHT sends nothing (it has no contacts and
   * no seeds, and hears nobody).
   */
  public void refusePublic() {
    publicOff = true;
  }

  /** Return whether the node runs on private networks only ({@link #refusePublic}). */
  public boolean refusesPublic() {
    return publicOff;
  }

  /**
   * Send a datagram of another protocol on the shared socket as it is (a private network's sealed
   * datagram); call on the loop. Needs a shared socket.
   */
  public void sendRaw(InetSocketAddress to, byte[] datagram) {
    if (shared == null) {
      throw new IllegalStateException("no shared socket");
    }
    counters.datagramsOut.incrementAndGet();
    shared.sendRaw(to, datagram);
  }

  // ---- getters (any thread)

  /** Return the network id this node's DHT and values belong to. */
  public long networkId() {
    return settings.dht().networkId();
  }

  /** Return the node's identity. */
  public Identity identity() {
    return identity;
  }

  /** Return the bound UDP address. */
  public InetSocketAddress localAddress() {
    return bound;
  }

  /** Return the runtime's counters. */
  public RuntimeCounters counters() {
    return counters;
  }

  /** Return the event loop this runtime runs on. */
  public EventLoop eventLoop() {
    return loop;
  }

  /** Return (on the loop) the observed addresses and the current presence record. */
  public CompletableFuture<PresenceView> presence() {
    return call((e, now) -> new PresenceView(
        presence.observed(now).stream().map(AddressObserver.PublicEndpoint::endpoint).toList(), presence.current()));
  }

  /** Observed addresses and the current presence record (null before the first publication). */
  public record PresenceView(List<InetSocketAddress> observed, StoredValue current) {}

  /**
   * Hand every observed-address event of the DHT engine (peer, how it saw us) to {@code listener}
   * too, on the event loop; null removes it. The listener must not throw.
   */
  public void setObservationListener(java.util.function.BiConsumer<Contact, InetSocketAddress> listener) {
    this.observationListener = listener;
  }

  /**
   * Replace (on the loop) what the NAT agent adds to the presence record, and publish a new record
   * if that changed it.
   */
  public CompletableFuture<Void> setPresenceNat(PresencePolicy.Nat facts) {
    return call((e, now) -> {
      presence.setNat(facts);
      maybePublish();
      return null;
    });
  }

  /**
   * Replace (on the loop) the persona key-log head the presence record carries, and publish a new
   * record if that changed it.
   */
  public CompletableFuture<Void> setPresencePersona(dev.wormholes.proto.wire.PersonaHead head) {
    return call((e, now) -> {
      presence.setPersona(head);
      maybePublish();
      return null;
    });
  }

  /**
   * Replace (on the loop) the mailbox friends (persona ids) the presence record carries, and
   * publish a new record if that changed it.
   */
  public CompletableFuture<Void> setPresenceMailboxes(List<com.google.protobuf.ByteString> personas) {
    return call((e, now) -> {
      presence.setMailboxes(personas);
      maybePublish();
      return null;
    });
  }

  /**
   * Count (on the loop) that peer {@code by} saw this node at {@code observed} (learned outside the
   * DHT, e.g. by the NAT agent's Observe probes) towards the presence record's OBSERVED endpoints.
   */
  public CompletableFuture<Void> addObservation(Contact by, InetSocketAddress observed) {
    return call((e, now) -> {
      presence.handleObservation(by.id(), by.address(), observed, now);
      return null;
    });
  }

  /** Return (on the loop) the DHT engine's contacts. */
  public CompletableFuture<List<Contact>> contacts() {
    return call((e, now) -> e.contacts());
  }

  /** Ask (on the loop) for a presence record now if one is due. */
  public CompletableFuture<Void> publishIfDue() {
    return call((e, now) -> {
      maybePublish();
      return null;
    });
  }

  /**
   * Stop: on the loop, save the routing snapshot, cancel timers and close the socket; then stop the
   * event loop group if the runtime owns it. The store stays open (its owner closes it). Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      loop.execute(() -> {
        try {
          shutdownOnLoop();
        } finally {
          done.complete(null);
        }
      });
      done.get(10, TimeUnit.SECONDS);
      if (channel != null) {
        channel.closeFuture().await(5, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      LOG.warn("unclean runtime shutdown: {}", e.toString());
    }
    closed = true;
    if (shared != null) {
      try {
        shared.close();
      } catch (RuntimeException e) {
        LOG.warn("could not close the shared socket: {}", e.toString());
      }
    }
    if (ownGroup) {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  private void shutdownOnLoop() {
    closed = true;
    try {
      if (channel != null || shared != null) {
        store.saveRoutingSnapshot(engine.contacts());
      }
    } catch (RuntimeException e) {
      LOG.warn("could not save the routing snapshot: {}", e.toString());
    }
    timer.cancel();
    if (housekeeping != null) {
      housekeeping.cancel(false);
    }
    List<CompletableFuture<QueryResult>> waiting = new ArrayList<>(pending.values());
    pending.clear();
    waiting.forEach(f -> f.completeExceptionally(new IllegalStateException("the node is shutting down")));
    if (channel != null) {
      channel.close();
    }
  }
}
