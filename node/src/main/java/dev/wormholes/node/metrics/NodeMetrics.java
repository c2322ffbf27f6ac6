package dev.wormholes.node.metrics;

import dev.wormholes.dht.DhtStats;
import dev.wormholes.dht.DropReason;
import dev.wormholes.node.NodeStreams;
import dev.wormholes.node.channels.ChannelService;
import dev.wormholes.node.nat.NatStatus;
import dev.wormholes.node.path.Path;
import dev.wormholes.node.path.PathKind;
import dev.wormholes.node.runtime.RuntimeCounters;
import dev.wormholes.node.runtime.UdpRuntime;
import dev.wormholes.node.store.NodeStore;
import dev.wormholes.node.stream.StreamBytes;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * The node's meters in a {@link PrometheusMeterRegistry}. Runtime counters are read directly (they
 * are atomic); the DHT engine's counters and the NAT agent's status live on their event loops, so
 * {@link #scrape()} first copies them there (one call each, bounded by {@link #LOOP_TIMEOUT_MS}) and
 * the meters read that copy. Nothing is counted twice: every counter and gauge reads a counter the
 * node keeps for {@code status} anyway, the transport's {@link StreamBytes} (stream bytes by kind,
 * registered at the scrape that first sees a kind) or a queue's own size; the two histograms (store commits, ping round trips) are fed
 * by the store's writer and by {@link NodeStreams#ping} as they happen. Names are listed in
 * node/README.md.
 */
public final class NodeMetrics {
  /** How long a scrape waits for an event loop's snapshot; a busy loop leaves the previous one. */
  public static final long LOOP_TIMEOUT_MS = 2_000;

  /** Histogram buckets of the latency meters: 0.5 ms to 2.5 s. */
  private static final Duration[] LATENCY_BUCKETS = Stream.of(0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500)
      .map(ms -> Duration.ofNanos(Math.round(ms.doubleValue() * 1e6))).toArray(Duration[]::new);

  private final UdpRuntime runtime;
  private final NodeStreams streams;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private volatile Engine engine = new Engine(Map.of(), 0, 0);
  private volatile NatStatus nat;
  private final Set<String> refusalReasons = ConcurrentHashMap.newKeySet();
  private final Set<String> streamKinds = ConcurrentHashMap.newKeySet();

  /** The DHT engine's counters by {@link DhtStats#snapshot()} name, its contacts and stored records. */
  private record Engine(Map<String, Long> stats, int contacts, int records) {
    long get(String name) {
      return stats.getOrDefault(name, 0L);
    }
  }

  /**
   * Register the meters of {@code runtime}, of {@code store}'s commits and, if not null, of {@code
   * streams} (paths, ping round trips, NAT, relay, stream bytes, the whisper outbox) and of {@code
   * channels} (open exchanges).
   */
  public NodeMetrics(UdpRuntime runtime, NodeStreams streams, NodeStore store, ChannelService channels) {
    this.runtime = runtime;
    this.streams = streams;
    queue("event_loop", "tasks waiting on the UDP event loop (DHT, NAT, datagram routing)",
        m -> m.runtime.eventLoop() instanceof SingleThreadEventExecutor e ? e.pendingTasks() : 0);
    if (channels != null) {
      queue("channel_exchanges", "channel gossip exchanges open (sent, answer awaited)", m -> channels.openExchanges());
    }
    RuntimeCounters c = runtime.counters();
    counter("wormholes.udp.datagrams.received", "datagrams read from the UDP socket", c.datagramsIn);
    counter("wormholes.udp.datagrams.sent", "datagrams sent on the UDP socket", c.datagramsOut);
    counter("wormholes.event.loop.errors", "exceptions caught on the UDP event loop", c.loopErrors);
    dropped("runtime", "oversized", c.droppedOversized);
    dropped("runtime", "empty", c.droppedEmpty);
    dropped("runtime", "not_dht", c.droppedNotDht);
    dropped("runtime", "rate_limited", c.droppedRateLimited);
    for (DropReason r : DropReason.values()) {
      String key = "dropped." + r.name();
      FunctionCounter.builder("wormholes.datagrams.dropped", this, m -> m.engine.get(key))
          .description("datagrams dropped, by stage (runtime: before parsing, dht: by the engine) and reason")
          .tags("stage", "dht", "reason", r.name().toLowerCase(Locale.ROOT)).register(registry);
    }
    engineCounter("wormholes.dht.lookups.started", "DHT lookups started, maintenance included", "lookupsStarted");
    engineCounter("wormholes.dht.lookups.finished", "DHT lookups finished", "lookupsFinished");
    engineCounter("wormholes.dht.requests.sent", "DHT requests sent (one per lookup hop and retry)", "requestsOut");
    engineCounter("wormholes.dht.requests.received", "well-formed DHT requests received", "requestsIn");
    engineCounter("wormholes.dht.responses.received", "DHT responses matched to a request", "responsesIn");
    engineCounter("wormholes.dht.timeouts", "DHT requests that timed out", "timeouts");
    engineCounter("wormholes.dht.received.bytes", "bytes the DHT engine received", "bytesIn");
    engineCounter("wormholes.dht.sent.bytes", "bytes the DHT engine sent", "bytesOut");
    engineCounter("wormholes.dht.values.stored", "DHT PUTs accepted", "valuesStored");
    engineCounter("wormholes.dht.puts.refused", "DHT PUTs refused", "putsRefused");
    engineCounter("wormholes.dht.evictions", "routing-table contacts evicted", "evictions");
    engineCounter("wormholes.dht.handler.errors", "DHT datagrams whose handling hit a bug", "handlerErrors");
    gauge("wormholes.dht.contacts", "contacts in the routing table", m -> m.engine.contacts());
    gauge("wormholes.dht.records", "records in the local store", m -> m.engine.records());
    Timer commits = Timer.builder("wormholes.store.commit")
        .description("durable commits of the store's value writes (one LMDB transaction each)")
        .serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
    store.observeCommits(nanos -> commits.record(nanos, TimeUnit.NANOSECONDS));
    queue("store_writer", "value writes queued for the store's next LMDB commit", m -> store.queuedWrites());
    if (streams != null) {
      for (PathKind k : PathKind.values()) {
        Gauge.builder("wormholes.paths", this, m -> m.pathCount(k))
            .description("live paths to other nodes, by kind").tag("kind", k.wireName()).register(registry);
      }
      Map<PathKind, Timer> rtt = new java.util.EnumMap<>(PathKind.class);
      for (PathKind k : PathKind.values()) {
        rtt.put(k, Timer.builder("wormholes.path.rtt").description("round trips measured by pings, by path kind")
            .tag("kind", k.wireName()).serviceLevelObjectives(LATENCY_BUCKETS).register(registry));
      }
      streams.observeRtts((kind, ms) -> rtt.get(kind).record(Math.round(ms * 1e6), TimeUnit.NANOSECONDS));
      queue("whisper_outbox", "whispers waiting in the outbox for their recipient", m -> m.streams.whispers().waiting());
      gauge("wormholes.relay.circuits", "relay circuits this node carries", m -> m.nat == null ? 0 : m.nat.relayCircuits());
      gauge("wormholes.nat.public", "1 if the node counts as public", m -> m.nat != null && m.nat.isPublic() ? 1 : 0);
      gauge("wormholes.nat.rendezvous.registrations", "nodes registered with this node's rendezvous",
          m -> m.nat == null ? 0 : m.nat.registrations());
      gauge("wormholes.nat.rendezvous", "rendezvous peers this node is registered with",
          m -> m.nat == null ? 0 : m.nat.rendezvous().size());
    }
  }

  private void counter(String name, String help, AtomicLong value) {
    FunctionCounter.builder(name, value, AtomicLong::get).description(help).register(registry);
  }

  private void dropped(String stage, String reason, AtomicLong value) {
    FunctionCounter.builder("wormholes.datagrams.dropped", value, AtomicLong::get)
        .description("datagrams dropped, by stage (runtime: before parsing, dht: by the engine) and reason")
        .tags("stage", stage, "reason", reason).register(registry);
  }

  private void engineCounter(String name, String help, String key) {
    FunctionCounter.builder(name, this, m -> m.engine.get(key)).description(help).register(registry);
  }

  private void gauge(String name, String help, ToDoubleFunction<NodeMetrics> f) {
    Gauge.builder(name, this, f).description(help).register(registry);
  }

  private void queue(String queue, String help, ToDoubleFunction<NodeMetrics> f) {
    Gauge.builder("wormholes.queue.depth", this, f)
        .description("items waiting, by queue (event_loop, store_writer, whisper_outbox, channel_exchanges)")
        .tag("queue", queue).register(registry);
  }

  // The stream-byte counters of every kind seen so far (kinds appear as streams of them open).
  private void streamBytes() {
    StreamBytes bytes = streams.transport().bytes();
    for (String kind : bytes.snapshot().keySet()) {
      if (!streamKinds.add(kind)) {
        continue;
      }
      for (String direction : new String[] {"in", "out"}) {
        FunctionCounter.builder("wormholes.stream.bytes", bytes, b -> {
              StreamBytes.Totals t = b.snapshot().get(kind);
              return t == null ? 0 : direction.equals("in") ? t.in() : t.out();
            })
            .description("application bytes on secure streams, by kind (wh-* services, exposed) and direction")
            .tags("kind", kind, "direction", direction).register(registry);
      }
    }
  }

  private double pathCount(PathKind kind) {
    return streams.paths().stream().map(Path::kind).filter(kind::equals).count();
  }

  /** Return the Prometheus text of every meter, after copying the event loops' counters. */
  public String scrape() {
    CompletableFuture<Engine> e = runtime.call((dht, now) ->
        new Engine(Map.copyOf(dht.stats().snapshot()), dht.contactCount(), dht.store().size()));
    CompletableFuture<NatStatus> n = streams == null || streams.nat() == null
        ? CompletableFuture.completedFuture(null) : streams.nat().status();
    try {
      engine = e.get(LOOP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      NatStatus status = n.get(LOOP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      if (status != null) {
        nat = status;
        status.refused().forEach(this::refused);
      }
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ex) {
      // The previous snapshot stays; the scrape still answers.
    }
    if (streams != null) {
      streamBytes();
    }
    return registry.scrape();
  }

  /** Register the refusal counter for {@code reason} the first time the NAT status names it. */
  private void refused(String reason, Long ignored) {
    if (!refusalReasons.add(reason)) {
      return;
    }
    FunctionCounter.builder("wormholes.nat.refused", this,
            m -> m.nat == null ? 0 : m.nat.refused().getOrDefault(reason, 0L))
        .description("bad input refused by the NAT, rendezvous and relay engines, by reason")
        .tag("reason", reason).register(registry);
  }
}
