package dev.wormholes.node.path;

import dev.wormholes.dht.QueryResult;
import dev.wormholes.nat.node.PathEngine;
import dev.wormholes.node.runtime.LocalAddresses;
import dev.wormholes.node.runtime.MonotonicClock;
import dev.wormholes.node.runtime.UdpRuntime;
import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.node.stream.ServiceRefusedException;
import dev.wormholes.node.stream.SilentConnectionException;
import dev.wormholes.node.stream.StreamTransport;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.Presence;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver of the connectivity ladder: finds the best path to a node and keeps it. Every
 * decision (what to dial, when relays start, which attempt wins, when a relayed path looks for a
 * direct one) is {@link PathEngine}'s (nat/), run on the socket loop; this class performs its
 * actions (the DHT lookup of the presence record, QUIC handshakes, punches through {@link
 * Punching}, relay opens through {@link Relaying}), hands their outcomes back, arms its one timer
 * and keeps the paths found. Every path is proven by the QUIC handshake with the node id pinned,
 * so a wrong key never yields a path.
 *
 * <p>Threading: public methods may be called from any thread; the engine runs on {@link
 * StreamTransport#socketLoop()} only.
 */
public final class PathFinder {
  private static final Logger LOG = LoggerFactory.getLogger(PathFinder.class);

  private final UdpRuntime runtime;
  private final StreamTransport transport;
  private final EventLoop loop;
  private final Map<NodeId, CompletableFuture<Path>> paths = new ConcurrentHashMap<>();
  private volatile Punching punching;
  private volatile Relaying relaying;
  private volatile BooleanSupplier selfHard = () -> false;
  // Loop-confined.
  private final PathEngine engine;
  private final Map<Long, CompletableFuture<Path>> searches = new HashMap<>();
  private final Map<Long, Throwable> lookupFailures = new HashMap<>();
  private final Set<Long> relayedSearches = new HashSet<>();
  private ScheduledFuture<?> timer;
  private long timerAt = Long.MAX_VALUE;

  /** Find paths with presence records from {@code runtime}'s DHT, connecting over {@code transport}. */
  public PathFinder(UdpRuntime runtime, StreamTransport transport) {
    this.runtime = runtime;
    this.transport = transport;
    this.loop = transport.socketLoop();
    // A record names any address it likes: dial a private or loopback one only on our own link.
    this.engine = new PathEngine(a -> LocalAddresses.dialable(runtime.localAddress()).test(a));
  }

  /** Punch through {@code p} from now on (null: no hole punching). */
  public void punching(Punching p) {
    this.punching = p;
    loop.execute(() -> engine.punching(p != null));
  }

  /** Relay through {@code r} from now on (null: no relays). */
  public void relaying(Relaying r) {
    this.relaying = r;
    loop.execute(() -> engine.relaying(r != null));
  }

  /**
   * Learn from {@code hard} whether this node's own NAT mapping is endpoint-dependent (symmetric):
   * then a target whose mapping is too cannot be punched, and relays are tried almost at once.
   */
  public void selfHard(BooleanSupplier hard) {
    this.selfHard = hard;
  }

  /** Return the live paths, one per node. */
  public List<Path> paths() {
    List<Path> out = new ArrayList<>();
    paths.values().forEach(f -> live(f).ifPresent(out::add));
    return out;
  }

  /** Return the live path to {@code node}, if there is one now (none is searched). */
  public Optional<Path> current(NodeId node) {
    CompletableFuture<Path> f = paths.get(node);
    return f == null ? Optional.empty() : live(f);
  }

  private Optional<Path> live(CompletableFuture<Path> f) {
    return f.isDone() && !f.isCompletedExceptionally() && live(f.join()) ? Optional.of(f.join()) : Optional.empty();
  }

  private boolean live(Path p) {
    return transport.connected(p.dialAddress(), p.node());
  }

  /** Return the path in use to {@code node}, finding one if there is none (or it died). */
  public CompletableFuture<Path> path(NodeId node) {
    while (true) {
      CompletableFuture<Path> f = paths.get(node);
      if (f != null && (!f.isDone() || (!f.isCompletedExceptionally() && live(f.join())))) {
        return f;
      }
      CompletableFuture<Path> fresh = new CompletableFuture<>();
      boolean won = f == null ? paths.putIfAbsent(node, fresh) == null : paths.replace(node, f, fresh);
      if (won) {
        fresh.whenComplete((p, e) -> {
          if (e != null) {
            paths.remove(node, fresh);
          }
        });
        if (node.equals(transport.nodeId())) {
          self(fresh);
        } else {
          loop.execute(() -> {
            searches.put(engine.find(node, MonotonicClock.now()), fresh);
            drain();
          });
        }
        return fresh;
      }
    }
  }

  /** A stream opened over a path. */
  public record Opened(Path path, SecureStream stream) {}

  /**
   * Open a stream to {@code service} on {@code node} over the path kept to it (finding one if there
   * is none). The open waits for a packet from the node at most {@link PathEngine#openSilenceMs} of
   * the path's handshake time; a path that stays silent (its connection is then closed) or fails
   * otherwise is forgotten and searched once more, and the stream opened over the new one, with
   * the same bound. A refusal by the service ends the attempt at once (the node was reached).
   */
  public CompletableFuture<Opened> open(NodeId node, String service) {
    return path(node).thenCompose(p -> open(p, service)
        .handle((s, err) -> {
          if (err == null) {
            return CompletableFuture.completedFuture(s);
          }
          Throwable c = unwrap(err);
          if (c instanceof ServiceRefusedException) {
            return CompletableFuture.<Opened>failedFuture(c);
          }
          if (c instanceof SilentConnectionException) {
            LOG.info("path to {} ({}) went silent: searching again", node.shortString(), p.shownAddress());
          }
          forget(node, p);
          return path(node).thenCompose(q -> open(q, service));
        })
        .thenCompose(f -> f));
  }

  /** Open a stream to {@code service} over {@code p}, bounded by the path's silence. */
  public CompletableFuture<Opened> open(Path p, String service) {
    long silence = PathEngine.openSilenceMs(transport.handshakeMs(p.dialAddress(), p.node()).orElse(-1));
    return transport.connect(p.dialAddress(), p.node(), service, silence).thenApply(s -> new Opened(p, s));
  }

  /** Forget the path to {@code node} (a stream over it failed): the next one is searched anew. */
  public void forget(NodeId node, Path path) {
    CompletableFuture<Path> f = paths.get(node);
    if (f != null && f.isDone() && !f.isCompletedExceptionally() && f.join().equals(path) && paths.remove(node, f)) {
      loop.execute(() -> engine.forget(node));
    }
  }

  /**
   * Open a relayed path to {@code node} through the first of its introducers that works, whatever
   * better path exists; it is not kept (for measurements: {@code wormholes ping --relay}). Fails
   * with {@link UnknownHostException} when no record of {@code node} is found, and with {@link
   * NoRelayPathException} when no relayed path can be made (this node uses no relays, the record
   * lists none, or none of them worked).
   */
  public CompletableFuture<Path> relayed(NodeId node) {
    if (relaying == null) {
      return CompletableFuture.failedFuture(new NoRelayPathException(node, "this node does not use relays"));
    }
    CompletableFuture<Path> f = new CompletableFuture<>();
    loop.execute(() -> {
      long search = engine.findRelayed(node, MonotonicClock.now());
      relayedSearches.add(search);
      searches.put(search, f);
      drain();
    });
    return f;
  }

  /** Complete with {@code node}'s verified presence record from the DHT. */
  public CompletableFuture<Presence> presence(NodeId node) {
    return runtime.query((e, now) -> e.get(node, now)).thenApply(r -> {
      Optional<Presence> p = r instanceof QueryResult.Found f ? DhtValues.parsePresence(f.value()) : Optional.empty();
      if (p.isEmpty() || !Identity.idOf(p.get().getPublicKey().toByteArray()).equals(node)) {
        throw new CompletionException(new UnknownHostException("no presence record found for node " + node));
      }
      return p.get();
    });
  }

  /** This node itself, over loopback. */
  private void self(CompletableFuture<Path> out) {
    long t0 = MonotonicClock.now();
    InetSocketAddress own = transport.localAddress();
    InetSocketAddress to = own.getAddress().isAnyLocalAddress()
        ? new InetSocketAddress(InetAddress.getLoopbackAddress(), own.getPort()) : own;
    transport.reach(to, transport.nodeId()).whenComplete((v, e) -> {
      if (e != null) {
        out.completeExceptionally(unwrap(e));
      } else {
        out.complete(new Path(transport.nodeId(), PathKind.SELF, to, to, MonotonicClock.now() - t0));
      }
    });
  }

  // ---- the engine's actions and outcomes (on the loop)

  private void drain() {
    for (Optional<PathEngine.Action> a = engine.pollAction(); a.isPresent(); a = engine.pollAction()) {
      perform(a.get());
    }
    for (Optional<PathEngine.Outcome> o = engine.pollOutcome(); o.isPresent(); o = engine.pollOutcome()) {
      onOutcome(o.get());
    }
    arm();
  }

  private void perform(PathEngine.Action action) {
    long id = action.id();
    NodeId node = action.target();
    if (action instanceof PathEngine.Lookup l) {
      answer(presence(node), (record, now) -> engine.handleRecord(id, record, selfHard.getAsBoolean(), now), id,
          l.search());
    } else if (action instanceof PathEngine.Dial d) {
      answer(transport.reach(d.address(), node), (v, now) -> engine.handleConnected(id, now), id, null);
    } else if (action instanceof PathEngine.Punch p) {
      Punching punch = punching;
      answer(punch == null ? CompletableFuture.failedFuture(new UnknownHostException("no hole punching"))
          : punch.punch(node, p.record()),
          (x, now) -> engine.handlePunched(id, x.endpoint(), PathEngine.Rung.valueOf(x.kind().name()), now), id, null);
    } else if (action instanceof PathEngine.OpenRelay o) {
      Relaying relay = relaying;
      answer(relay == null ? CompletableFuture.failedFuture(new UnknownHostException("no relays"))
          : relay.open(o.relay(), o.relayId(), node),
          (synthetic, now) -> engine.handleRelayOpened(id, synthetic, now), id, null);
    }
  }

  /**
   * Hand {@code f}'s result to {@code ok} (or its failure to the engine) on the loop, then drain;
   * a failed lookup for the search {@code lookupOf} keeps its exception for the search's caller.
   */
  private <T> void answer(CompletableFuture<T> f, BiConsumer<T, Long> ok, long id, Long lookupOf) {
    f.whenComplete((v, e) -> loop.execute(() -> {
      long now = MonotonicClock.now();
      if (e == null) {
        ok.accept(v, now);
      } else {
        if (lookupOf != null && searches.containsKey(lookupOf)) {
          lookupFailures.put(lookupOf, unwrap(e));
        }
        engine.handleFailed(id, message(e), now);
      }
      drain();
    }));
  }

  private void onOutcome(PathEngine.Outcome o) {
    if (o instanceof PathEngine.Found f) {
      Path p = new Path(f.target(), PathKind.of(f.rung()), f.dialAddress(), f.shownAddress(), f.timeToPathMs());
      lookupFailures.remove(f.search());
      relayedSearches.remove(f.search());
      if (f.upgrade()) {
        paths.put(f.target(), CompletableFuture.completedFuture(p));
        LOG.info("path to {} upgraded from relayed to {} ({})", f.target().shortString(), p.kind().wireName(),
            p.shownAddress());
      }
      CompletableFuture<Path> out = searches.remove(f.search());
      if (out != null) {
        out.complete(p);
      }
    } else if (o instanceof PathEngine.Failed x) {
      Throwable lookup = lookupFailures.remove(x.search());
      boolean relayed = relayedSearches.remove(x.search());
      CompletableFuture<Path> out = searches.remove(x.search());
      if (out != null) {
        out.completeExceptionally(lookup != null ? lookup
            : relayed ? new NoRelayPathException(x.target(), x.reason()) : new UnknownHostException(x.reason()));
      }
    }
  }

  /** Arm the one timer for the engine's next deadline if it is earlier than the armed one. */
  private void arm() {
    long at = engine.pollTimeout().orElse(Long.MAX_VALUE);
    if (at == Long.MAX_VALUE || at >= timerAt) {
      return;
    }
    if (timer != null) {
      timer.cancel(false);
    }
    timerAt = at;
    timer = loop.schedule(() -> {
      timer = null;
      timerAt = Long.MAX_VALUE;
      engine.handleTimeout(MonotonicClock.now());
      drain();
    }, Math.max(0, at - MonotonicClock.now()), TimeUnit.MILLISECONDS);
  }

  /** Return the cause inside {@code e}'s layers of {@link CompletionException}. */
  public static Throwable unwrap(Throwable e) {
    while (e instanceof CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  static String message(Throwable e) {
    Throwable c = unwrap(e);
    String m = c.getMessage();
    return m == null ? c.getClass().getSimpleName() : m;
  }
}
