package dev.wormholes.node.path;

import dev.wormholes.dht.QueryResult;
import dev.wormholes.nat.relay.SyntheticAddresses;
import dev.wormholes.node.runtime.LocalAddresses;
import dev.wormholes.node.runtime.UdpRuntime;
import dev.wormholes.node.stream.StreamTransport;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Endpoints;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.Contact;
import dev.wormholes.proto.wire.EndpointKind;
import dev.wormholes.proto.wire.NatBehaviour;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.ReachEndpoint;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * The connectivity ladder (DESIGN.md): find the best path to a node and keep it.
 *
 * <p>From the node's presence record, the LAN, port-mapped and observed endpoints are dialled at
 * once (an observed endpoint is skipped when the record says the node's NAT filters unsolicited
 * packets), together with a hole punch through one of the record's introducers; the first
 * authenticated connection wins. If none appears within {@link #RELAY_AFTER_MS} (or every attempt
 * has failed), circuits through the introducers are tried in turn; when both mappings are
 * endpoint-dependent no punch is tried and relays start after {@link #RELAY_AFTER_NO_PUNCH_MS}. A relayed path keeps looking for a
 * direct one ({@link #UPGRADE_AFTER_MS}) and is replaced when one appears. Every path is proven by
 * the QUIC handshake with the node id pinned, so a wrong key never yields a path.
 */
public final class PathFinder {
  private static final Logger LOG = LoggerFactory.getLogger(PathFinder.class);
  /** How long direct attempts and the punch get before relays are tried too. */
  static final long RELAY_AFTER_MS = 3_000;
  /**
   * The same when no punch can work (both mappings endpoint-dependent, no port mapping): only a LAN
   * endpoint could still answer, and it answers within this time when it is there.
   */
  static final long RELAY_AFTER_NO_PUNCH_MS = 300;
  /** When a relayed path looks for a direct one again (ms after it was made). */
  static final long[] UPGRADE_AFTER_MS = {15_000, 60_000, 300_000};

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
    List<CompletableFuture<Path>> direct = new ArrayList<>();
    // A record names any address it likes: dial a private or loopback one only on our own link.
    java.util.function.Predicate<java.net.InetAddress> dialable = LocalAddresses.dialable(runtime.localAddress());
    directEndpoints(record).forEach((addr, kind) -> {
      if (dialable.test(addr.getAddress())) {
        direct.add(attempt(node, kind, addr, addr, t0));
      }
    });
    Punching p = punching;
    boolean noPunch = selfHard.getAsBoolean() && hard(record);
    if (p != null && !noPunch && record.getIntroducersCount() > 0
        && record.getNat().getMapping() != NatBehaviour.NAT_NONE) {
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
    transport.socketLoop().schedule(startRelay, noPunch ? RELAY_AFTER_NO_PUNCH_MS : RELAY_AFTER_MS,
        TimeUnit.MILLISECONDS);
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
    if (round >= UPGRADE_AFTER_MS.length) {
      return;
    }
    long delay = UPGRADE_AFTER_MS[round] - (round == 0 ? 0 : UPGRADE_AFTER_MS[round - 1]);
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
    }, delay, TimeUnit.MILLISECONDS);
  }

  private CompletableFuture<Path> attempt(NodeId node, PathKind kind, InetSocketAddress dial, InetSocketAddress shown,
      long t0) {
    return transport.reach(dial, node).thenApply(v -> new Path(node, kind, dial, shown,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)));
  }

  /**
   * The record's dialable endpoints in ladder order: LAN, MAPPED, then OBSERVED unless filtered. A
   * LAN endpoint of a node without NAT (the record's mapping is none, or the same address is also
   * observed by peers) is its public endpoint: reaching it is {@code direct}, not {@code lan}.
   */
  static Map<InetSocketAddress, PathKind> directEndpoints(Presence record) {
    NatBehaviour filtering = record.getNat().getFiltering();
    boolean filtered = filtering == NatBehaviour.NAT_ADDRESS_DEPENDENT
        || filtering == NatBehaviour.NAT_ADDRESS_AND_PORT_DEPENDENT;
    boolean noNat = record.getNat().getMapping() == NatBehaviour.NAT_NONE;
    List<InetSocketAddress> observed = endpoints(record, EndpointKind.ENDPOINT_OBSERVED);
    Map<InetSocketAddress, PathKind> out = new LinkedHashMap<>();
    for (InetSocketAddress a : endpoints(record, EndpointKind.ENDPOINT_LAN)) {
      out.putIfAbsent(a, noNat || observed.contains(a) ? PathKind.DIRECT : PathKind.LAN);
    }
    endpoints(record, EndpointKind.ENDPOINT_MAPPED).forEach(a -> out.putIfAbsent(a, PathKind.MAPPED));
    if (!filtered) {
      observed.forEach(a -> out.putIfAbsent(a, PathKind.DIRECT));
    }
    return out;
  }

  private static List<InetSocketAddress> endpoints(Presence record, EndpointKind kind) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (ReachEndpoint e : record.getEndpointsList()) {
      InetSocketAddress a = e.getKind() == kind ? Endpoints.fromWire(e.getEndpoint()).orElse(null) : null;
      if (a != null && !a.getAddress().isAnyLocalAddress() && a.getPort() != 0
          && !SyntheticAddresses.isSynthetic(a)) { // 100::/64 stands for our own relay circuits
        out.add(a);
      }
    }
    return out;
  }

  /** Return whether {@code record}'s node has an endpoint-dependent mapping and no port mapping. */
  static boolean hard(Presence record) {
    NatBehaviour m = record.getNat().getMapping();
    return (m == NatBehaviour.NAT_ADDRESS_DEPENDENT || m == NatBehaviour.NAT_ADDRESS_AND_PORT_DEPENDENT)
        && endpoints(record, EndpointKind.ENDPOINT_MAPPED).isEmpty();
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
