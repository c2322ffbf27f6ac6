package dev.wormholes.node.path;

import dev.wormholes.dht.QueryResult;
import dev.wormholes.node.runtime.LocalAddresses;
import dev.wormholes.nat.node.PathLadder;
import dev.wormholes.node.runtime.UdpRuntime;
import dev.wormholes.node.stream.StreamTransport;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Endpoints;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.Contact;
import dev.wormholes.proto.wire.Presence;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver of the connectivity ladder: finds the best path to a node and keeps it. What to try
 * and when is {@link PathLadder}'s (nat/): this class looks up the presence record, dials the
 * plan's endpoints and runs its punch at once, starts relays at the plan's time or once every
 * attempt failed, and schedules the upgrade rounds of a relayed path. Every path is proven by the
 * QUIC handshake with the node id pinned, so a wrong key never yields a path.
 */
public final class PathFinder {
  private static final Logger LOG = LoggerFactory.getLogger(PathFinder.class);

  private final UdpRuntime runtime;
  private final StreamTransport transport;
  private final Map<NodeId, CompletableFuture<Path>> paths = new ConcurrentHashMap<>();
  private volatile Punching punching;
  private volatile Relaying relaying;
  private volatile BooleanSupplier selfHard = () -> false;

  /** Find paths with presence records from {@code runtime}'s DHT, connecting over {@code transport}. */
  public PathFinder(UdpRuntime runtime, StreamTransport transport) {
    this.runtime = runtime;
    this.transport = transport;
  }

  /** Punch through {@code p} from now on (null: no hole punching). */
  public void punching(Punching p) {
    this.punching = p;
  }

  /** Relay through {@code r} from now on (null: no relays). */
  public void relaying(Relaying r) {
    this.relaying = r;
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
        find(node).whenComplete((p, e) -> {
          if (e != null) {
            paths.remove(node, fresh);
            fresh.completeExceptionally(unwrap(e));
          } else {
            fresh.complete(p);
            if (p.kind() == PathKind.RELAYED) {
              scheduleUpgrade(node, fresh, 0);
            }
          }
        });
        return fresh;
      }
    }
  }

  /** Forget the path to {@code node} (a stream over it failed): the next one is searched anew. */
  public void forget(NodeId node, Path path) {
    CompletableFuture<Path> f = paths.get(node);
    if (f != null && f.isDone() && !f.isCompletedExceptionally() && f.join().equals(path)) {
      paths.remove(node, f);
    }
  }

  /**
   * Open a relayed path to {@code node} through the first of its introducers that works, whatever
   * better path exists; it is not kept (for measurements: {@code wormholes ping --relay}).
   */
  public CompletableFuture<Path> relayed(NodeId node) {
    Relaying r = relaying;
    if (r == null) {
      return CompletableFuture.failedFuture(new UnknownHostException("this node does not use relays"));
    }
    long t0 = System.nanoTime();
    return presence(node).thenCompose(record -> record.getIntroducersCount() == 0
        ? CompletableFuture.failedFuture(new UnknownHostException("node " + node + " lists no relay"))
        : relay(node, record, r, 0, t0, null));
  }

  private boolean live(Path p) {
    return transport.connected(p.dialAddress(), p.node());
  }

  private CompletableFuture<Path> find(NodeId node) {
    long t0 = System.nanoTime();
    if (node.equals(transport.nodeId())) {
      InetSocketAddress own = transport.localAddress();
      InetSocketAddress to = own.getAddress().isAnyLocalAddress()
          ? new InetSocketAddress(InetAddress.getLoopbackAddress(), own.getPort()) : own;
      return attempt(node, PathKind.SELF, to, to, t0);
    }
    return presence(node).thenCompose(record -> ladder(node, record, t0, true));
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

  /** Direct attempts and a punch at once; relays after a while or once they all failed. */
  private CompletableFuture<Path> ladder(NodeId node, Presence record, long t0, boolean withRelay) {
    PathLadder.Plan plan = PathLadder.plan(record, selfHard.getAsBoolean());
    List<CompletableFuture<Path>> direct = new ArrayList<>();
    // A record names any address it likes: dial a private or loopback one only on our own link.
    java.util.function.Predicate<java.net.InetAddress> dialable = LocalAddresses.dialable(runtime.localAddress());
    plan.direct().forEach((addr, kind) -> {
      if (dialable.test(addr.getAddress())) {
        direct.add(attempt(node, PathKind.of(kind), addr, addr, t0));
      }
    });
    Punching p = punching;
    if (p != null && plan.punch()) {
      direct.add(p.punch(node, record).thenCompose(x -> attempt(node, x.kind(), x.endpoint(), x.endpoint(), t0)));
    }
    CompletableFuture<Path> first = firstSuccess(direct);
    Relaying r = relaying;
    if (!withRelay || r == null || record.getIntroducersCount() == 0) {
      return first.exceptionally(e -> {
        throw new CompletionException(new UnknownHostException("cannot reach node " + node
            + (direct.isEmpty() ? ": its record lists no endpoint" : ": " + message(e))));
      });
    }
    CompletableFuture<Path> out = new CompletableFuture<>();
    CompletableFuture<Path> relayed = new CompletableFuture<>();
    Runnable failIfBothFailed = () -> {
      if (first.isCompletedExceptionally() && relayed.isCompletedExceptionally()) {
        out.completeExceptionally(new UnknownHostException("cannot reach node " + node + " directly ("
            + message(first.handle((x, y) -> y).join()) + ") nor through a relay ("
            + message(relayed.handle((x, y) -> y).join()) + ")"));
      }
    };
    AtomicInteger relayStarted = new AtomicInteger();
    Runnable startRelay = () -> {
      if (!out.isDone() && relayStarted.getAndIncrement() == 0) {
        relay(node, record, r, 0, t0, null).whenComplete((path, e) -> {
          if (e == null) {
            out.complete(path);
          } else {
            relayed.completeExceptionally(unwrap(e));
            failIfBothFailed.run();
          }
        });
      }
    };
    first.whenComplete((path, e) -> {
      if (e == null) {
        out.complete(path);
      } else {
        startRelay.run();
        failIfBothFailed.run();
      }
    });
    transport.socketLoop().schedule(startRelay, plan.relayAfterMs(), TimeUnit.MILLISECONDS);
    return out;
  }

  private CompletableFuture<Path> relay(NodeId node, Presence record, Relaying r, int i, long t0, Throwable last) {
    if (i >= record.getIntroducersCount()) {
      return CompletableFuture.failedFuture(last != null ? last : new UnknownHostException("no relay"));
    }
    Contact c = record.getIntroducers(i);
    Optional<InetSocketAddress> at = Endpoints.fromWire(c.getEndpoint());
    Optional<NodeId> relayId = NodeId.tryOf(c.getId().toByteArray());
    if (at.isEmpty() || relayId.isEmpty()) {
      return relay(node, record, r, i + 1, t0, last);
    }
    return r.open(at.get(), relayId.get(), node)
        .thenCompose(synthetic -> attempt(node, PathKind.RELAYED, synthetic, at.get(), t0))
        .handle((p, e) -> p != null ? CompletableFuture.completedFuture(p) : relay(node, record, r, i + 1, t0, unwrap(e)))
        .thenCompose(f -> f);
  }

  /** Try the direct part of the ladder again for a relayed path; replace the path if one opens. */
  private void scheduleUpgrade(NodeId node, CompletableFuture<Path> current, int round) {
    OptionalLong delay = PathLadder.upgradeDelay(round);
    if (delay.isEmpty()) {
      return;
    }
    transport.socketLoop().schedule(() -> {
      if (paths.get(node) != current) {
        return;
      }
      long t0 = System.nanoTime();
      presence(node).thenCompose(record -> ladder(node, record, t0, false)).whenComplete((p, e) -> {
        if (e == null && paths.replace(node, current, CompletableFuture.completedFuture(p))) {
          LOG.info("path to {} upgraded from relayed to {} ({})", node.shortString(), p.kind().wireName(),
              p.shownAddress());
        } else if (e != null) {
          scheduleUpgrade(node, current, round + 1);
        }
      });
    }, delay.getAsLong(), TimeUnit.MILLISECONDS);
  }

  private CompletableFuture<Path> attempt(NodeId node, PathKind kind, InetSocketAddress dial, InetSocketAddress shown,
      long t0) {
    return transport.reach(dial, node).thenApply(v -> new Path(node, kind, dial, shown,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)));
  }

  /** Complete with the first of {@code fs} to succeed, or fail with the last failure. */
  static <T> CompletableFuture<T> firstSuccess(List<CompletableFuture<T>> fs) {
    CompletableFuture<T> out = new CompletableFuture<>();
    if (fs.isEmpty()) {
      out.completeExceptionally(new UnknownHostException("no endpoint to try"));
      return out;
    }
    AtomicInteger left = new AtomicInteger(fs.size());
    AtomicReference<Throwable> last = new AtomicReference<>();
    for (CompletableFuture<T> f : fs) {
      f.whenComplete((v, e) -> {
        if (e == null) {
          out.complete(v);
        } else {
          last.set(unwrap(e));
          if (left.decrementAndGet() == 0) {
            out.completeExceptionally(last.get());
          }
        }
      });
    }
    return out;
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
