package dev.wormholes.node.relay;

import dev.wormholes.nat.node.RelayCore;
import dev.wormholes.nat.relay.RelayClient;
import dev.wormholes.nat.relay.RelayCodec;
import dev.wormholes.nat.relay.RelayEvent;
import dev.wormholes.nat.relay.RelayLimits;
import dev.wormholes.nat.relay.RelayReason;
import dev.wormholes.nat.relay.RelayServer;
import dev.wormholes.nat.relay.SyntheticAddresses;
import dev.wormholes.node.runtime.SharedSocket;
import dev.wormholes.node.stream.DatagramRoute;
import dev.wormholes.node.stream.DatagramSink;
import dev.wormholes.node.stream.StreamTransport;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.Transmit;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver of the node's relay engine ({@link RelayCore}: both ends of relayed circuits and,
 * when the node serves as a relay, the relay itself, with the node's relay decisions) on its one
 * UDP socket: it feeds the engine the 0x0F datagrams and the QUIC packets for circuits, sends what
 * it produces, arms its timer and turns its events into futures and injected QUIC packets.
 *
 * <p>How a relayed path works: {@link #open} asks a relay for a circuit to a target registered
 * with it and completes with a synthetic address in {@code 100::/64} (RFC 6666 discard prefix,
 * {@link SyntheticAddresses}) that stands for the circuit. {@code transport.connect(synthetic,
 * target, service)} then dials QUIC to that address: a {@link DatagramRoute} wraps every QUIC
 * packet for a synthetic address into a relay Data datagram to the relay, and Data datagrams
 * from the relay are unwrapped and fed to the codecs with {@link StreamTransport#injectQuic} as if
 * sent by the synthetic address. TLS pinned to the target's node id thus runs end to end; the
 * relay forwards ciphertext. Which incoming circuits are accepted and whether this node
 * relays for others is {@link RelayCore}'s decision; the target side's QUIC server sees the dialer
 * at another synthetic address.
 *
 * <p>Threading: every engine call runs on {@link StreamTransport#socketLoop()}; public methods may
 * be called from any thread. Datagrams the engines produce are sent from a task on the loop, not
 * from inside the codec write that produced them.
 */
public final class RelayAgent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RelayAgent.class);

  private final StreamTransport transport;
  private final LongSupplier clock;
  private final EventLoop loop;
  private final RelayCore core;
  private final DatagramRoute route = new DatagramRoute() {
    @Override
    public boolean send(InetSocketAddress recipient, ByteBuf packet) {
      return route(recipient, packet);
    }

    @Override
    public boolean handles(InetSocketAddress recipient) {
      return SyntheticAddresses.isSynthetic(recipient); // only circuits: other GSO batches stay whole
    }
  };
  private final DatagramSink sink = this::onDatagram;
  // Loop-confined state.
  private final Map<Long, CompletableFuture<InetSocketAddress>> opening = new HashMap<>();
  private final ArrayDeque<Transmit> outbox = new ArrayDeque<>();
  private boolean flushScheduled;
  private SharedSocket.Sinks sinks;
  private ScheduledFuture<?> timer;
  private long timerAt = Long.MAX_VALUE;

  /**
   * Make the agent of {@code transport}'s node with the defaults: monotonic time from
   * {@link System#nanoTime()}, a {@link SecureRandom}, {@link RelayLimits#defaults()} and
   * {@link RelayClient.Settings#defaults()}. See the full constructor for the parameters.
   */
  public RelayAgent(StreamTransport transport, Identity identity, RelayCore.Host host) {
    this(transport, identity, host, () -> System.nanoTime() / 1_000_000, new SecureRandom(), RelayLimits.defaults(),
        RelayClient.Settings.defaults());
  }

  /**
   * Make the agent (call {@link #start()} to put it on the socket).
   *
   * @param transport the node's stream transport (its socket carries the relay datagrams)
   * @param identity this node's identity
   * @param host the node's rendezvous state the relay decisions read (its registrations, whether
   *     it serves, its rendezvous peers); called on the socket loop
   * @param clock monotonic milliseconds
   * @param random source of circuit ids and open nonces
   * @param limits the relay's limits
   * @param settings the client's retry and idle settings
   */
  public RelayAgent(StreamTransport transport, Identity identity, RelayCore.Host host, LongSupplier clock,
      RandomGenerator random, RelayLimits limits, RelayClient.Settings settings) {
    this.transport = transport;
    this.clock = clock;
    this.loop = transport.socketLoop();
    this.core = new RelayCore(identity.id(), host, limits, settings, random);
  }

  /**
   * Install the relay sink (first byte 0x0F) directly on the transport, with no per-source budget
   * in front (a transport without a DHT runtime), and the synthetic-address route; return this.
   */
  public RelayAgent start() {
    return start((first, in) -> transport.setSink(first, in == null ? null : in::onDatagram));
  }

  /**
   * Install the relay sink (first byte 0x0F) through {@code sinks} (the node's: {@link
   * dev.wormholes.node.runtime.UdpRuntime#setSink}, behind the per-source budget) and the
   * synthetic-address route; return this.
   */
  public RelayAgent start(SharedSocket.Sinks sinks) {
    this.sinks = sinks;
    sinks.setSink(RelayCodec.FIRST_BYTE, sink::onDatagram);
    transport.addRoute(route);
    return this;
  }

  /**
   * Ask {@code relay} (node {@code relayId}) for a circuit to {@code target}. Complete with the
   * circuit's synthetic address, to be used as the address of
   * {@code transport.connect(address, target, service)}; fail with {@link RelayOpenException}
   * (refused: unknown target, over quota, not serving...; or no answer after the retries, about
   * 4 s with the defaults).
   */
  public CompletableFuture<InetSocketAddress> open(InetSocketAddress relay, NodeId relayId, NodeId target) {
    CompletableFuture<InetSocketAddress> f = new CompletableFuture<>();
    loop.execute(() -> {
      opening.put(core.open(relay, relayId, target, now()), f);
      drain();
    });
    return f;
  }

  /** Close the circuit behind {@code synthetic} (e.g. after a direct path replaced it). */
  public void close(InetSocketAddress synthetic) {
    loop.execute(() -> {
      core.close(synthetic, RelayReason.BY_PEER);
      drain();
    });
  }

  /** Return whether {@code address} stands for a relay circuit (100::/64), never a real peer. */
  public static boolean isSynthetic(InetSocketAddress address) {
    return SyntheticAddresses.isSynthetic(address);
  }

  /** Return the relay carrying the circuit behind {@code synthetic}, if that circuit is open. */
  public Optional<InetSocketAddress> relayOf(InetSocketAddress synthetic) {
    return onLoop(() -> core.relayOf(synthetic));
  }

  /** Return the node id of the relay carrying the circuit this node opened behind {@code synthetic}. */
  public Optional<NodeId> relayIdOf(InetSocketAddress synthetic) {
    return onLoop(() -> core.relayIdOf(synthetic));
  }

  /** Return the circuits this node relays for others (pending included): status' relay_circuits. */
  public int servedCircuits() {
    return onLoop(core::servedCircuits);
  }

  /** Return the circuits this node is an end of. */
  public int ownCircuits() {
    return onLoop(core::ownCircuits);
  }

  /** Return the relay engine's counters (refusals, drops, forwarded bytes). */
  public RelayServer.Counters serverCounters() {
    return onLoop(core::serverCounters);
  }

  /** Return the end engine's counters. */
  public RelayClient.Counters clientCounters() {
    return onLoop(core::clientCounters);
  }

  /**
   * Return the relay input refused or dropped so far, by reason (status' {@code nat.refused},
   * keys {@code relay_...}): Opens refused by this node's relay and relay datagrams that were
   * malformed, spoofed, over a rate, for unknown circuits or from untrusted relays.
   */
  public Map<String, Long> refusals() {
    return onLoop(core::refusals);
  }

  /** Return QUIC packets for synthetic addresses that had no circuit (dropped). */
  public long unroutablePackets() {
    return onLoop(core::unroutablePackets);
  }

  // ---- socket side (all on the loop)

  private void onDatagram(InetSocketAddress sender, ByteBuf content) {
    core.handleDatagram(sender, ByteBufUtil.getBytes(content), now());
    drain();
  }

  private boolean route(InetSocketAddress recipient, ByteBuf packet) {
    if (!SyntheticAddresses.isSynthetic(recipient)) {
      return false;
    }
    try {
      int len = packet.readableBytes();
      byte[] b = new byte[len];
      packet.getBytes(packet.readerIndex(), b);
      core.wrap(recipient, b, 0, len, now()).ifPresent(this::queue);
    } finally {
      packet.release();
    }
    return true; // never let a synthetic address reach the real socket
  }

  private void drain() {
    for (Optional<Transmit> t = core.pollTransmit(); t.isPresent(); t = core.pollTransmit()) {
      queue(t.get());
    }
    for (Optional<RelayEvent> e = core.pollEvent(); e.isPresent(); e = core.pollEvent()) {
      onEvent(e.get());
    }
    arm();
  }

  private void onEvent(RelayEvent e) {
    if (e instanceof RelayEvent.Packet p) {
      transport.injectQuic(p.synthetic(), Unpooled.wrappedBuffer(p.datagram(), p.offset(), p.length()));
    } else if (e instanceof RelayEvent.Opened o) {
      CompletableFuture<InetSocketAddress> f = opening.remove(o.request());
      if (f == null || !f.complete(o.synthetic())) {
        core.close(o.synthetic(), RelayReason.BY_PEER); // nobody waits for it any more
      }
      LOG.debug("relay circuit via {} open as {}", o.relay(), o.synthetic());
    } else if (e instanceof RelayEvent.OpenFailed f) {
      CompletableFuture<InetSocketAddress> w = opening.remove(f.request());
      if (w != null) {
        w.completeExceptionally(new RelayOpenException(f.reason(), "relay open via " + f.relay()));
      }
    } else if (e instanceof RelayEvent.Incoming i) {
      LOG.debug("relay circuit from {} accepted as {}", i.relay(), i.synthetic());
    } else if (e instanceof RelayEvent.Closed c) {
      LOG.debug("relay circuit {} closed: {}", c.synthetic(), c.reason());
    }
  }

  /** Queue a datagram; a task on the loop sends the queue (never from inside a codec write). */
  private void queue(Transmit t) {
    outbox.add(t);
    if (!flushScheduled) {
      flushScheduled = true;
      loop.execute(this::flush);
    }
  }

  private void flush() {
    flushScheduled = false;
    if (outbox.isEmpty()) {
      return;
    }
    List<Transmit> batch = new ArrayList<>(outbox);
    outbox.clear();
    try {
      transport.sendRaw(batch); // the turn's datagrams in few system calls (GSO runs, sendmmsg)
    } catch (RuntimeException ex) {
      LOG.debug("{} relay datagrams not sent: {}", batch.size(), ex.toString());
    }
  }

  /** Schedule the engines' next timeout if it is earlier than the one scheduled. */
  private void arm() {
    long at = core.pollTimeout().orElse(Long.MAX_VALUE);
    if (at == Long.MAX_VALUE || at >= timerAt) {
      return;
    }
    if (timer != null) {
      timer.cancel(false);
    }
    timerAt = at;
    timer = loop.schedule(this::onTimer, Math.max(0, at - now()), TimeUnit.MILLISECONDS);
  }

  private void onTimer() {
    timer = null;
    timerAt = Long.MAX_VALUE;
    core.handleTimeout(now());
    drain();
  }

  private long now() {
    return clock.getAsLong();
  }

  private <T> T onLoop(Supplier<T> s) {
    if (loop.inEventLoop()) {
      return s.get();
    }
    return loop.submit(s::get).syncUninterruptibly().getNow();
  }

  /** Remove the sink and the route, close every circuit (telling relays and ends), fail opens. */
  @Override
  public void close() {
    if (loop.isShuttingDown()) {
      return;
    }
    onLoop(() -> {
      if (sinks != null) {
        sinks.setSink(RelayCodec.FIRST_BYTE, null);
      }
      transport.removeRoute(route);
      core.closeAll(RelayReason.SHUTDOWN);
      opening.values().forEach(f -> f.completeExceptionally(
          new RelayOpenException(RelayReason.SHUTDOWN, "relay agent closed")));
      opening.clear();
      drain();
      flush();
      if (timer != null) {
        timer.cancel(false);
      }
      return null;
    });
  }
}
