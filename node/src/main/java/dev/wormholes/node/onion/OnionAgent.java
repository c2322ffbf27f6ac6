package dev.wormholes.node.onion;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.wormholes.node.PresenceDialer;
import dev.wormholes.node.people.People;
import dev.wormholes.node.runtime.LoopTimer;
import dev.wormholes.node.runtime.MonotonicClock;
import dev.wormholes.node.runtime.ThrottledLog;
import dev.wormholes.node.socks.CircuitStream;
import dev.wormholes.node.stream.Exposure;
import dev.wormholes.node.stream.ServiceRefusedException;
import dev.wormholes.node.stream.StreamEnds;
import dev.wormholes.node.stream.StreamTransport;
import dev.wormholes.onion.circuit.Hop;
import dev.wormholes.onion.circuit.OnionConfig;
import dev.wormholes.onion.circuit.OnionEngine;
import dev.wormholes.onion.circuit.OnionEvent;
import dev.wormholes.onion.circuit.OnionTransmit;
import dev.wormholes.onion.handshake.NtorV3;
import dev.wormholes.onion.intro.IntroConfig;
import dev.wormholes.onion.intro.Introductions;
import dev.wormholes.onion.path.CircuitPlanner;
import dev.wormholes.onion.path.PathSelection;
import dev.wormholes.onion.stream.CircuitStreams;
import dev.wormholes.onion.stream.StreamEvent;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The onion engine in the daemon, on the node's event loop.
 *
 * <p><b>Links.</b> Cells travel between neighbours on a QUIC stream of the node's internal service
 * {@link #SERVICE} ({@code wh-onion}), opened over the node's usual path to the neighbour ({@link
 * PresenceDialer}): 514-byte channel cells back to back, either side may open it, the neighbour is
 * the id its TLS handshake proved. The service's allow-list is empty, so the node's approval gate
 * lets in only accepted contacts' devices: a node relays for its friends, which is what circuits
 * through friends of friends need (every hop is a friend of the one before). Each link sends a
 * PADDING cell every {@link #KEEPALIVE_MS}; a silent link is closed, and a closed link ends every
 * circuit over it ({@code OnionEngine.handleLinkDown}: DESTROY along the rest of the path), so a
 * relay that vanished breaks its circuits within seconds. The links and their memory bounds (cells
 * queued while dialling, bytes queued per link; beyond them cells are dropped and counted) are
 * {@link OnionLinks}'.
 *
 * <p><b>Relaying</b> is the engine's, with its limits ({@link OnionConfig#defaults()}), and so are
 * the relay roles of introductions ({@link Introductions}): this node is an introduction point and
 * a rendezvous point for circuits that end here (a hidden service and its clients are not driven
 * here yet). The onion
 * key is made at start (X25519 from {@link SecureRandom}) and published with the node's friend list
 * as its {@link OnionDescriptor}, re-published when the friend list changes.
 *
 * <p><b>Circuits from here.</b> {@link #open} builds (or reuses) one 3-hop circuit. Whom it goes
 * through is {@link CircuitPlanner}'s (the guard at hop 1, other friends as fallbacks, hops 2 and 3
 * by {@link PathSelection} from the friend's signed neighbour list and the lists of those read by
 * {@link OnionDirectory}, the rebuild around a hop that did not answer and the cap on rebuilds);
 * this class reads the records, builds and reports each outcome to it. Streams: BEGIN carries
 * {@code "SERVICE NODE_ID"}; the last hop opens that service on that node over the overlay as
 * itself and joins the two ({@link StreamBridge}).
 */
public final class OnionAgent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OnionAgent.class);
  /** The internal service carrying links. */
  public static final String SERVICE = "wh-onion";
  static final long KEEPALIVE_MS = 2_000;
  static final long PUBLISH_CHECK_MS = 5_000;
  static final long REPUBLISH_MS = 20 * 60_000;

  private final Identity identity;
  private final StreamTransport transport;
  private final PresenceDialer dialer;
  private final People people;
  private final OnionDirectory directory;
  private final EventLoop loop;
  private final SecureRandom random = new SecureRandom();
  private final byte[] onionPublic;
  private final OnionEngine engine;
  private final CircuitStreams streams;
  /** Introduction and rendezvous point for circuits that end here (the relay roles of onion.intro). */
  private final Introductions intros;
  private final LoopTimer timer;
  private final OnionLinks links;
  private final Bridges bridges;
  private final ThrottledLog errors = new ThrottledLog(LOG, 5_000);

  /** A circuit built from here. */
  private record Built(List<NodeId> hops, long builtAt, long buildMs) {}

  /** What arrived on a stream before its local channel was attached: bytes, then maybe END(DONE). */
  private static final class Unattached {
    final List<byte[]> data = new ArrayList<>();
    boolean ended;
  }

  // Loop only.
  private final Map<Long, CompletableFuture<Long>> builds = new HashMap<>();
  private final Map<Long, Built> built = new LinkedHashMap<>();
  private final Map<Bridges.Key, CompletableFuture<CircuitStream>> opening = new HashMap<>();
  /** Streams opened here whose local channel is not attached yet: what arrived meanwhile. */
  private final Map<Bridges.Key, Unattached> unattached = new HashMap<>();
  private CompletableFuture<Long> circuit;
  private Long current;
  /** The guard, rebuild and retry decisions for circuits from here. */
  private final CircuitPlanner planner = new CircuitPlanner(CircuitPlanner.Limits.defaults(), MonotonicClock.now());
  private Set<NodeId> published;
  private long publishedAt;
  private long circuitsBuilt;
  private long buildsFailed;
  private String lastClosed = "";
  private String lastFailure = "";
  private io.netty.util.concurrent.ScheduledFuture<?> housekeeping;
  private volatile boolean closed;

  private OnionAgent(Identity identity, StreamTransport transport, PresenceDialer dialer, People people,
      OnionDirectory directory) {
    this.identity = identity;
    this.transport = transport;
    this.dialer = dialer;
    this.people = people;
    this.directory = directory;
    this.loop = transport.socketLoop();
    byte[] secret = new byte[NtorV3.KEY_BYTES];
    random.nextBytes(secret);
    NtorV3.OnionKeyPair keys = NtorV3.OnionKeyPair.of(secret);
    this.onionPublic = keys.publicKey();
    this.engine = new OnionEngine(identity.publicKey(), List.of(keys), OnionConfig.defaults(), random);
    this.streams = new CircuitStreams(engine);
    this.intros = new Introductions(engine, IntroConfig.defaults(), random);
    this.bridges = new Bridges(streams, this::execute, this::drain);
    this.links = new OnionLinks(identity.id(), loop, this::execute, peer -> dialer.dial(peer, SERVICE), new OnionLinks.Owner() {
      @Override
      public void cells(NodeId peer, List<byte[]> cells) {
        long now = MonotonicClock.now();
        for (byte[] cell : cells) {
          engine.handleCell(peer, cell, now);
        }
        drain();
      }

      @Override
      public void down(NodeId peer) {
        int ended = engine.handleLinkDown(peer, MonotonicClock.now());
        if (ended > 0) {
          LOG.info("onion link to {} down: {} circuit(s) over it ended", peer, ended);
        }
        drain();
      }
    }, OnionLinks.MAX_LINK_QUEUED);
    this.timer = new LoopTimer(loop, () -> guarded(() -> {
      engine.handleTimeout(MonotonicClock.now());
      drain();
    }));
  }

  /**
   * Start: serve {@link #SERVICE} on {@code transport}, publish the descriptor through {@code
   * directory} (and again when {@code people}'s friends change), keep links alive.
   */
  public static OnionAgent start(Identity identity, StreamTransport transport, PresenceDialer dialer,
      People people, OnionDirectory directory) {
    OnionAgent a = new OnionAgent(identity, transport, dialer, people, directory);
    transport.expose(SERVICE, new Exposure(Set.of(), stream -> a.execute(() -> a.links.attach(stream))));
    a.housekeeping = a.loop.scheduleAtFixedRate(() -> a.guarded(a::housekeeping), 0, KEEPALIVE_MS,
        TimeUnit.MILLISECONDS);
    return a;
  }

  /** Make the directory of {@code runtime}'s DHT and {@code dialer}'s presence records. */
  public static OnionDirectory directory(dev.wormholes.node.runtime.UdpRuntime runtime, PresenceDialer dialer) {
    return new OnionDirectory(runtime, dialer.paths());
  }

  void execute(Runnable r) {
    if (!closed) {
      loop.execute(() -> guarded(r));
    }
  }

  private void guarded(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      errors.warn(System.nanoTime() / 1_000_000, "onion agent error", e);
    }
  }

  // ---- links

  private void housekeeping() {
    links.keepAlive(MonotonicClock.now());
    List<NodeId> friends = people.acceptedDevices();
    Set<NodeId> list = new HashSet<>(friends);
    long wall = System.currentTimeMillis();
    if (!list.equals(published) || wall - publishedAt > REPUBLISH_MS) {
      if (wall - publishedAt >= PUBLISH_CHECK_MS) {
        published = list;
        publishedAt = wall;
        directory.publish(new OnionDescriptor(onionPublic, list)).whenComplete((acks, e) -> {
          if (e != null || acks == 0) {
            execute(() -> publishedAt = 0); // try again on a later round
          }
        });
      }
    }
  }

  // ---- the engine's outputs

  private void drain() {
    long now = MonotonicClock.now();
    OnionTransmit t;
    while ((t = engine.pollTransmit()) != null) {
      links.send(t.neighbour(), t.cell());
    }
    OnionEvent e;
    while ((e = engine.pollEvent()) != null) {
      onEngineEvent(e);
    }
    StreamEvent s;
    while ((s = streams.pollEvent()) != null) {
      onStreamEvent(s);
    }
    while ((t = engine.pollTransmit()) != null) { // stream events may have sent (SENDME, END)
      links.send(t.neighbour(), t.cell());
    }
    links.flush();
    bridges.flush();
    timer.arm(engine.pollTimeout(), now);
  }

  private void onEngineEvent(OnionEvent e) {
    if (e instanceof OnionEvent.CircuitBuilt b) {
      circuitsBuilt++;
      built.put(b.circuit(), new Built(b.hops(), System.currentTimeMillis(), b.buildMs()));
      LOG.info("onion circuit {} built through {} in {} ms", b.circuit(),
          b.hops().stream().map(NodeId::toString).toList(), b.buildMs());
      CompletableFuture<Long> f = builds.remove(b.circuit());
      if (f != null) {
        f.complete(b.circuit());
      }
    } else if (e instanceof OnionEvent.CircuitFailed f) {
      buildsFailed++;
      CompletableFuture<Long> pending = builds.remove(f.circuit());
      if (pending != null) {
        pending.completeExceptionally(new BuildFailed(f.hopsBuilt(), "the circuit was not built: " + reason(f.reason())));
      }
      intros.circuitGone(f.circuit());
      streams.circuitGone(f.circuit());
    } else if (e instanceof OnionEvent.Data d) {
      if (!intros.handle(d, MonotonicClock.now())) {
        streams.handle(d, MonotonicClock.nowMicros());
      }
      while (intros.pollEvent() != null) {
        // Only the relay roles run here: their messages raise no events.
      }
    } else if (e instanceof OnionEvent.CircuitClosed c) {
      intros.circuitGone(c.circuit());
      Built b = built.remove(c.circuit());
      if (b != null) {
        lastClosed = "circuit " + c.circuit() + " through " + b.hops() + " closed: " + reason(c.reason());
        LOG.info("onion {}", lastClosed);
      }
      if (current != null && current == c.circuit()) {
        current = null;
      }
      streams.circuitGone(c.circuit());
    }
  }

  private static String reason(OnionEvent.CloseReason r) {
    switch (r) {
      case REQUESTED:
        return "closed here";
      case DESTROYED:
        return "a relay on the path destroyed it (a hop further on is gone, refused or timed out)";
      case TAMPERED:
        return "a cell was tampered with on the way";
      case HANDSHAKE_FAILED:
        return "a hop's handshake did not verify";
      case TIMEOUT:
        return "a hop did not answer in time";
      case PROTOCOL:
        return "a hop broke the protocol";
      default:
        return "the link to the first hop is gone";
    }
  }

  private void onStreamEvent(StreamEvent s) {
    Bridges.Key key = new Bridges.Key(s.circuit(), s.stream());
    if (s instanceof StreamEvent.Begin b) {
      exit(b);
    } else if (s instanceof StreamEvent.Connected) {
      CompletableFuture<CircuitStream> f = opening.remove(key);
      if (f == null || !f.complete(new ClientStream(key))) {
        streams.end(key.circuit(), key.stream(), CircuitStreams.FAILED);
      } else {
        unattached.put(key, new Unattached());
      }
    } else if (s instanceof StreamEvent.Data d) {
      StreamBridge b = bridges.get(key);
      Unattached waiting = unattached.get(key);
      if (b != null) {
        bridges.toChannel(b, d.data());
      } else if (waiting != null) {
        waiting.data.add(d.data()); // at most a stream window: nothing is consumed before the attach
      }
    } else if (s instanceof StreamEvent.Writable) {
      StreamBridge b = bridges.get(key);
      if (b != null) {
        bridges.pump(b);
      }
    } else if (s instanceof StreamEvent.Ended end) {
      Unattached waiting = unattached.remove(key);
      if (waiting != null && end.reason() == CircuitStreams.DONE) {
        waiting.ended = true; // delivered with the bytes before it once the channel is attached
        unattached.put(key, waiting);
      }
      if (end.reason() != CircuitStreams.DONE) {
        LOG.info("onion stream {}/{} ended: {}", key.circuit(), key.stream(), endReason(end.reason()));
      }
      CompletableFuture<CircuitStream> f = opening.remove(key);
      if (f != null) {
        lastFailure = endReason(end.reason());
        f.completeExceptionally(new CircuitException(lastFailure));
      }
      StreamBridge b = bridges.get(key);
      if (b != null && end.reason() == CircuitStreams.DONE) {
        bridges.endReceived(key, b);
      } else if (b != null) {
        bridges.abort(key);
      }
    }
  }


  private static String endReason(int reason) {
    switch (reason) {
      case CircuitStreams.UNREACHABLE:
        return "the last hop could not reach the target";
      case CircuitStreams.REFUSED:
        return "the target refused the stream (service not exposed there, or the last hop not allowed)";
      case CircuitStreams.CIRCUIT_GONE:
        return "the circuit closed";
      default:
        return "the stream failed (reason " + reason + ")";
    }
  }

  // ---- the exit

  private void exit(StreamEvent.Begin b) {
    String[] target = new String(b.target(), StandardCharsets.US_ASCII).split(" ", -1);
    Optional<NodeId> node = target.length == 2 ? NodeId.parse(target[1]) : Optional.empty();
    if (node.isEmpty() || target[0].isEmpty()) {
      streams.end(b.circuit(), b.stream(), CircuitStreams.UNREACHABLE);
      return;
    }
    dialer.dial(node.get(), target[0]).whenComplete((s, err) -> execute(() -> {
      if (err != null) {
        boolean refused = rootCause(err) instanceof ServiceRefusedException;
        streams.end(b.circuit(), b.stream(), refused ? CircuitStreams.REFUSED : CircuitStreams.UNREACHABLE);
        drain();
        return;
      }
      if (streams.streams(b.circuit()) == 0) { // the circuit or the stream ended meanwhile
        s.channel().close();
        return;
      }
      bridges.join(b.circuit(), b.stream(), s.channel(), null);
      streams.accept(b.circuit(), b.stream());
      s.start();
      drain();
    }));
  }

  // ---- streams opened here

  /** A stream the far end accepted, waiting for its local channel. */
  private final class ClientStream implements CircuitStream {
    private final Bridges.Key key;

    ClientStream(Bridges.Key key) {
      this.key = key;
    }

    @Override
    public void attach(DuplexChannel client, ByteBuf early) {
      execute(() -> {
        Unattached waiting = unattached.remove(key);
        if (!client.isActive() || waiting == null) {
          ReferenceCountUtil.release(early);
          streams.end(key.circuit(), key.stream(), CircuitStreams.FAILED);
          StreamEnds.abort(client); // the stream broke before the attach
        } else {
          StreamBridge b = bridges.join(key.circuit(), key.stream(), client, early);
          waiting.data.forEach(data -> bridges.toChannel(b, data));
          if (waiting.ended) {
            bridges.endReceived(key, b);
          }
          client.eventLoop().execute(() -> client.config().setAutoRead(true)); // the bridge reads now
        }
        drain();
      });
    }

    @Override
    public void abort() {
      execute(() -> {
        unattached.remove(key);
        streams.end(key.circuit(), key.stream(), CircuitStreams.FAILED);
        drain();
      });
    }
  }

  // ---- circuits from here

  /**
   * Open a stream to {@code service} on {@code node} through this node's circuit (built first if
   * there is none); complete once the far end accepted it, or exceptionally with a {@link
   * CircuitException} saying what failed.
   */
  public CompletableFuture<CircuitStream> open(NodeId node, String service) {
    CompletableFuture<CircuitStream> out = new CompletableFuture<>();
    execute(() -> circuit().whenComplete((h, err) -> execute(() -> {
      if (err != null) {
        lastFailure = rootMessage(err);
        LOG.info("onion stream to {} on {} failed: {}", service, node, lastFailure);
        out.completeExceptionally(rootCause(err));
        return;
      }
      int id = streams.open(h, (service + " " + node).getBytes(StandardCharsets.US_ASCII));
      if (id < 0) {
        out.completeExceptionally(new CircuitException("the circuit took no more streams (closed, or "
            + CircuitStreams.MAX_STREAMS + " open)"));
        return;
      }
      opening.put(new Bridges.Key(h, id), out);
      drain();
    })));
    return out;
  }

  /** The circuit new streams use: the current one, the one being built, or a new build. */
  private CompletableFuture<Long> circuit() {
    if (current != null && built.containsKey(current)) {
      return CompletableFuture.completedFuture(current);
    }
    if (circuit == null || circuit.isDone()) {
      circuit = build(planner.attempt());
      circuit.whenComplete((h, err) -> execute(() -> {
        if (err == null) {
          current = h;
        }
      }));
    }
    return circuit;
  }

  /** One build of {@code attempt} through the friends the planner orders; the planner decides a rebuild. */
  private CompletableFuture<Long> build(CircuitPlanner.Attempt attempt) {
    return onLoop(() -> {
      List<NodeId> friends = attempt.friends(people.acceptedDevices(), identity.id(), MonotonicClock.now(), random);
      if (friends.isEmpty()) {
        return CompletableFuture.<Long>failedFuture(new CircuitException(attempt.builds() == 0
            ? "no friend to route through: a circuit starts at an accepted contact (wormholes invite / accept)"
            : "no circuit could be built through any friend"));
      }
      return viaFriend(friends, 0, attempt);
    }).handle((h, err) -> {
      if (err == null) {
        return CompletableFuture.completedFuture(h);
      }
      if (!(rootCause(err) instanceof BuildFailed bf)) {
        return CompletableFuture.<Long>failedFuture(rootCause(err));
      }
      return onLoop(() -> {
        CircuitPlanner.Decision d = attempt.failed(bf.path, bf.hopsBuilt, MonotonicClock.now());
        NodeId unreached = d instanceof CircuitPlanner.Decision.Retry r ? r.avoided()
            : ((CircuitPlanner.Decision.GiveUp) d).avoided();
        directory.forget(unreached);
        if (d instanceof CircuitPlanner.Decision.GiveUp g) {
          return CompletableFuture.<Long>failedFuture(new CircuitException(bf.getMessage() + "; " + g.why()));
        }
        LOG.info("onion build {} failed ({}); trying again without {}", attempt.builds(), bf.getMessage(), unreached);
        return build(attempt);
      });
    }).thenCompose(f -> f);
  }

  /** Run {@code step} on the loop (where the planner lives) and complete with what it completes with. */
  private <T> CompletableFuture<T> onLoop(java.util.function.Supplier<CompletableFuture<T>> step) {
    CompletableFuture<T> out = new CompletableFuture<>();
    execute(() -> step.get().whenComplete((v, e) -> {
      if (e != null) {
        out.completeExceptionally(e);
      } else {
        out.complete(v);
      }
    }));
    return out;
  }

  /** Try friends from {@code i} on: the first with a path gets a build. */
  private CompletableFuture<Long> viaFriend(List<NodeId> friends, int i, CircuitPlanner.Attempt attempt) {
    if (i >= friends.size()) {
      return CompletableFuture.failedFuture(new CircuitException("no path: no friend's signed list names a"
          + " reciprocal friend of a friend with a descriptor (tried " + friends.size() + " friend(s))"));
    }
    NodeId friend = friends.get(i);
    Set<NodeId> avoid = Set.copyOf(attempt.avoided());
    return directory.peer(friend).thenCompose(p -> {
      if (p.isEmpty()) {
        return viaFriend(friends, i + 1, attempt);
      }
      return directory.neighbourhood(p.get(), identity.id(), avoid, random)
          .thenCompose(records -> onLoop(() -> {
            PathSelection.Result r = attempt.path(identity.id(), p.get(), records, random);
            if (!(r instanceof PathSelection.Result.Chosen chosen)) {
              return viaFriend(friends, i + 1, attempt);
            }
            return start(chosen.hops(), attempt);
          }));
    });
  }

  private CompletableFuture<Long> start(List<Hop> hops, CircuitPlanner.Attempt attempt) {
    CompletableFuture<Long> f = new CompletableFuture<>();
    List<NodeId> ids = hops.stream().map(Hop::node).toList();
    execute(() -> {
      attempt.started(ids);
      long h = engine.buildCircuit(hops, MonotonicClock.now());
      builds.put(h, f);
      drain();
    });
    return f.handle((h, err) -> {
      if (err == null) {
        execute(() -> attempt.built(ids, MonotonicClock.now()));
        return h;
      }
      Throwable cause = rootCause(err);
      int reached = cause instanceof BuildFailed bf ? bf.hopsBuilt : 0;
      throw new CompletionException(new BuildFailed(ids, reached, cause.getMessage()));
    });
  }

  /** A build that failed: how many hops answered and, once known, its path. */
  private static final class BuildFailed extends Exception {
    private static final long serialVersionUID = 1L;
    final transient List<NodeId> path;
    final int hopsBuilt;

    BuildFailed(int hopsBuilt, String message) {
      super(message);
      this.path = List.of();
      this.hopsBuilt = hopsBuilt;
    }

    BuildFailed(List<NodeId> path, int hopsBuilt, String message) {
      super(message + " (path " + path + ", " + hopsBuilt + " hop(s) answered)");
      this.path = path;
      this.hopsBuilt = hopsBuilt;
    }
  }

  // ---- status

  /** Complete with the agent's state as JSON (circuits from here with hops and age, links, counters). */
  public CompletableFuture<JsonObject> status() {
    CompletableFuture<JsonObject> out = new CompletableFuture<>();
    execute(() -> {
      JsonObject o = new JsonObject();
      JsonArray circuits = new JsonArray();
      long wall = System.currentTimeMillis();
      built.forEach((h, b) -> {
        JsonObject c = new JsonObject();
        c.addProperty("circuit", h);
        JsonArray hops = new JsonArray();
        b.hops().forEach(id -> hops.add(id.toString()));
        c.add("hops", hops);
        c.addProperty("buildMs", b.buildMs());
        c.addProperty("ageMs", wall - b.builtAt());
        c.addProperty("streams", streams.streams(h));
        c.addProperty("current", current != null && current == h);
        circuits.add(c);
      });
      o.add("circuits", circuits);
      bridges.status(o);
      links.status(o);
      var stats = engine.stats();
      o.addProperty("circuitsHeld", stats.circuits());
      o.addProperty("built", circuitsBuilt);
      o.addProperty("buildsFailed", buildsFailed);
      o.addProperty("guard", planner.guard() == null ? "" : planner.guard().toString());
      o.addProperty("rebuildsRefused", planner.counters().get("retriesRefused"));
      o.addProperty("lastClosed", lastClosed);
      o.addProperty("lastFailure", lastFailure);
      o.addProperty("streamViolations", streams.violations());
      o.addProperty("refused", stats.totalRefused());
      int[] held = intros.relayState();
      o.addProperty("introducing", held[0]);
      o.addProperty("rendezvousCookies", held[1]);
      o.addProperty("introRefused", intros.refusals().values().stream().mapToLong(Long::longValue).sum());
      out.complete(o);
    });
    return out;
  }

  @Override
  public void close() {
    closed = true;
    if (housekeeping != null) {
      housekeeping.cancel(false);
    }
    loop.execute(timer::cancel);
  }

  private static Throwable rootCause(Throwable e) {
    return dev.wormholes.node.path.PathFinder.unwrap(e);
  }

  static String rootMessage(Throwable e) {
    Throwable c = rootCause(e);
    return c.getMessage() == null ? c.toString() : c.getMessage();
  }

  /** Why a circuit or a stream through one could not be had: one sentence for a person. */
  public static final class CircuitException extends Exception {
    private static final long serialVersionUID = 1L;

    CircuitException(String message) {
      super(message);
    }
  }
}
