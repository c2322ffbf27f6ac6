package dev.wormholes.sim;

import dev.wormholes.onion.circuit.Hop;
import dev.wormholes.onion.circuit.OnionConfig;
import dev.wormholes.onion.circuit.OnionEngine;
import dev.wormholes.onion.circuit.OnionEvent;
import dev.wormholes.onion.circuit.OnionTransmit;
import dev.wormholes.onion.handshake.NtorV3;
import dev.wormholes.onion.intro.HiddenService;
import dev.wormholes.onion.intro.IntroConfig;
import dev.wormholes.onion.intro.IntroEvent;
import dev.wormholes.onion.intro.Introductions;
import dev.wormholes.onion.intro.ServiceRecord;
import dev.wormholes.onion.stream.CircuitStreams;
import dev.wormholes.onion.stream.StreamEvent;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;

/**
 * Hidden services reached through introduction and rendezvous in virtual time: every node runs
 * the real {@link OnionEngine}, {@link Introductions} and {@link CircuitStreams}, cells crossing
 * the {@link NetworkModel} in order per link ({@link OrderedLinks}) and without loss (the daemon's links are QUIC streams). Each of {@code
 * onion.rendezvous.services} services keeps 3 intro points (the last hops of circuits it builds,
 * established at the start); connections, asked evenly over {@code onion.window_s}, each run the
 * whole protocol: the client's circuit to a random rendezvous point with ESTABLISH_RENDEZVOUS, its
 * circuit to one of the service's intro points with INTRODUCE1, the service's circuit to the
 * rendezvous point with RENDEZVOUS1, the splice, then a stream opened by the client over the
 * end-to-end layer that the service echoes 1 KiB on. Every circuit is 3 hops: two random relays,
 * then the intro or rendezvous point (the sim's engines extend to anyone; the daemon's relays only
 * to friends). A service seals its {@link ServiceRecord} (blinded place, encrypted, signed) each time
 * an intro point is established; a client opens the record at the place it derives from the
 * service's key (a map stands in for the DHT).
 */
final class OnionRendezvous {
  private static final int CELL = 0;
  private static final int TIMER = 1;
  private static final int REQUEST = 2;
  private static final int ECHO_BYTES = 1024;

  /**
   * What one run measured.
   *
   * @param asked connections asked for
   * @param echoed connections whose 1 KiB came back through the rendezvous
   * @param introsEstablished intro points established at the start (services x 3 asked)
   * @param msToEcho time from the request to the echo, per echoed connection, sorted
   * @param builds circuits built for the runs (all roles)
   * @param introRefusals refusals the introduction roles counted on every node
   */
  record Row(int asked, int echoed, int introsEstablished, long[] msToEcho, long builds, long introRefusals) {
    long percentile(double p) {
      return msToEcho.length == 0 ? -1 : msToEcho[(int) Math.max(0, Math.min(msToEcho.length - 1, Math.ceil(p * msToEcho.length) - 1))];
    }
  }

  private record Cell(int from, int to, byte[] bytes) {}

  private record Connection(int client, int service, long askedAt) {}

  private final int n;
  private final int services;
  private final int connections;
  private final long startMs;
  private final long windowMs;
  private final Hop[] hopOf;
  private final Identity[] identities;
  /** The services' sealed records by DHT key: what the DHT would hold (the DHT is not simulated). */
  private final Map<NodeId, byte[]> records = new HashMap<>();
  private final Map<NodeId, Integer> index = new HashMap<>();
  private final OnionEngine[] engines;
  private final Introductions[] intros;
  private final CircuitStreams[] streams;
  private final Map<Long, LongConsumer>[] onBuilt;
  /** Per node: the connection a circuit of that node serves (rendezvous and echo bookkeeping). */
  private final Map<Long, Connection>[] byCircuit;
  /** Per node: echoed bytes received on a client's rendezvous circuit. */
  private final Map<Long, Integer>[] echoed;
  private final long[] timerAt;
  private final OrderedLinks net;
  private final SplittableRandom netRandom;
  private final SplittableRandom pick;
  private final EventQueue queue = new EventQueue(1 << 12);
  private final List<Object> slots = new ArrayList<>();
  private final List<Long> msToEcho = new ArrayList<>();
  private int introsEstablished;
  private long builds;
  private long now;

  @SuppressWarnings("unchecked")
  private OnionRendezvous(Scenario s) {
    n = s.integer("nodes");
    services = s.integer("onion.rendezvous.services");
    connections = s.integer("onion.rendezvous");
    startMs = s.lng("onion.start_s") * 1000;
    windowMs = s.lng("onion.window_s") * 1000;
    SplittableRandom world = s.random(0x52454E44L);
    net = new OrderedLinks(new NetworkModel(n, world.split(), s.dbl("latency.base_ms"),
        s.dbl("latency.span_ms"), s.integer("jitter_ms"), 0, 0), n);
    netRandom = world.split();
    pick = world.split();
    hopOf = new Hop[n];
    identities = new Identity[n];
    engines = new OnionEngine[n];
    intros = new Introductions[n];
    streams = new CircuitStreams[n];
    onBuilt = new Map[n];
    byCircuit = new Map[n];
    echoed = new Map[n];
    for (int i = 0; i < n; i++) {
      byte[] seed = new byte[32];
      byte[] secret = new byte[NtorV3.KEY_BYTES];
      world.nextBytes(seed);
      world.nextBytes(secret);
      identities[i] = Identity.fromSeed(seed);
      byte[] identityKey = identities[i].publicKey();
      NtorV3.OnionKeyPair onion = NtorV3.OnionKeyPair.of(secret);
      hopOf[i] = new Hop(identityKey, onion.publicKey());
      index.put(hopOf[i].node(), i);
      engines[i] = new OnionEngine(identityKey, List.of(onion), OnionConfig.defaults(), new SplittableRandom(world.nextLong()));
      intros[i] = new Introductions(engines[i], IntroConfig.defaults(), new SplittableRandom(world.nextLong()));
      streams[i] = new CircuitStreams(engines[i]);
      onBuilt[i] = new HashMap<>();
      byCircuit[i] = new HashMap<>();
      echoed[i] = new HashMap<>();
    }
    timerAt = new long[n];
    Arrays.fill(timerAt, Long.MAX_VALUE);
  }

  /** Run the rendezvous workload of {@code s}. */
  static Row run(Scenario s) {
    return new OnionRendezvous(s).go();
  }

  private Row go() {
    for (int sv = 0; sv < services; sv++) {
      for (int k = 0; k < 3; k++) {
        int service = sv;
        int introPoint = other(service, -1);
        build(service, introPoint, h -> {
          intros[service].service.establish(h, 2, hopOf[introPoint].node(), bytes(), bytes(), now);
        });
      }
    }
    for (int k = 0; k < connections; k++) {
      int service = k % services;
      int client = services + pick.nextInt(n - services);
      long at = startMs + (connections <= 1 ? 0 : windowMs * k / (connections - 1));
      push(at, REQUEST, slot(new Connection(client, service, at)));
    }
    while (!queue.isEmpty() && queue.peekTime() <= startMs + windowMs + 120_000) {
      long payload = queue.pop();
      now = queue.lastTime();
      int kind = (int) (payload >>> 56);
      int arg = (int) payload;
      if (kind == CELL) {
        Cell c = (Cell) take(arg);
        engines[c.to()].handleCell(hopOf[c.from()].node(), c.bytes(), now);
        drain(c.to());
      } else if (kind == TIMER) {
        if (timerAt[arg] == now) {
          timerAt[arg] = Long.MAX_VALUE;
          engines[arg].handleTimeout(now);
          drain(arg);
        }
      } else {
        connect((Connection) take(arg));
      }
    }
    long refusals = 0;
    for (Introductions in : intros) {
      refusals += in.refusals().values().stream().mapToLong(Long::longValue).sum();
    }
    return new Row(connections, msToEcho.size(), introsEstablished,
        msToEcho.stream().mapToLong(Long::longValue).sorted().toArray(), builds, refusals);
  }

  /** The client's side: a rendezvous point, then an introduction through one of the service's intro points. */
  private void connect(Connection c) {
    int rp = other(c.client(), c.service());
    build(c.client(), rp, r -> {
      byCircuit[c.client()].put(r, c);
      intros[c.client()].client.establishRendezvous(r, 2, hopOf[rp]);
    });
  }

  private void introduce(int client, long rendezvous) {
    Connection c = byCircuit[client].get(rendezvous);
    byte[] serviceKey = identities[c.service()].publicKey();
    long period = ServiceRecord.period(now / 1000);
    byte[] record = records.get(ServiceRecord.location(serviceKey, period));
    List<HiddenService.IntroKeys> keys = record == null ? List.of()
        : ServiceRecord.open(serviceKey, period, record).orElse(List.of());
    if (keys.isEmpty()) {
      return;
    }
    HiddenService.IntroKeys k = keys.get(pick.nextInt(keys.size()));
    build(client, index.get(k.introPoint()), in -> intros[client].client.introduce(in, 2, rendezvous, k));
  }

  /** Build a 3-hop circuit from {@code origin} ending at {@code last}; run {@code then} once built. */
  private void build(int origin, int last, LongConsumer then) {
    int a = other(origin, last);
    int b;
    do {
      b = other(origin, last);
    } while (b == a);
    long h = engines[origin].buildCircuit(List.of(hopOf[a], hopOf[b], hopOf[last]), now);
    onBuilt[origin].put(h, then);
    drain(origin);
  }

  private int other(int x, int y) {
    int r;
    do {
      r = pick.nextInt(n);
    } while (r == x || r == y);
    return r;
  }

  private byte[] bytes() {
    byte[] b = new byte[32];
    pick.nextBytes(b);
    return b;
  }

  private void drain(int node) {
    OnionEngine e = engines[node];
    for (boolean more = true; more; ) {
      more = false;
      OnionTransmit t;
      while ((t = e.pollTransmit()) != null) {
        more = true;
        int to = index.get(t.neighbour());
        push(net.arrival(node, to, t.cell().length, now, netRandom), CELL, slot(new Cell(node, to, t.cell())));
      }
      OnionEvent ev;
      while ((ev = e.pollEvent()) != null) {
        more = true;
        onEngine(node, ev);
      }
      IntroEvent ie;
      while ((ie = intros[node].pollEvent()) != null) {
        more = true;
        onIntro(node, ie);
      }
      StreamEvent se;
      while ((se = streams[node].pollEvent()) != null) {
        more = true;
        onStream(node, se);
      }
    }
    long t = e.pollTimeout();
    if (t != Long.MAX_VALUE && (t < timerAt[node] || timerAt[node] < now)) {
      timerAt[node] = Math.max(now, t);
      push(timerAt[node], TIMER, node);
    }
  }

  private void onEngine(int node, OnionEvent ev) {
    if (ev instanceof OnionEvent.CircuitBuilt b) {
      builds++;
      LongConsumer then = onBuilt[node].remove(b.circuit());
      if (then != null) {
        then.accept(b.circuit());
      }
    } else if (ev instanceof OnionEvent.Data d) {
      if (!intros[node].handle(d, now)) {
        streams[node].handle(d, now * 1000);
      }
    } else {
      long h = ev instanceof OnionEvent.CircuitClosed c ? c.circuit() : ((OnionEvent.CircuitFailed) ev).circuit();
      onBuilt[node].remove(h);
      byCircuit[node].remove(h);
      echoed[node].remove(h);
      intros[node].circuitGone(h);
      streams[node].circuitGone(h);
    }
  }

  private void onIntro(int node, IntroEvent ie) {
    if (ie instanceof IntroEvent.IntroEstablished) {
      introsEstablished++;
      long period = ServiceRecord.period(now / 1000);
      byte[] nonce = new byte[12];
      pick.nextBytes(nonce);
      records.put(ServiceRecord.location(identities[node].publicKey(), period),
          ServiceRecord.seal(identities[node], period, intros[node].service.established(now), nonce));
    } else if (ie instanceof IntroEvent.RendezvousReady r) {
      introduce(node, r.circuit());
    } else if (ie instanceof IntroEvent.IntroduceAcked a) {
      engines[node].close(a.introCircuit());
    } else if (ie instanceof IntroEvent.RendezvousWanted w) {
      build(node, index.get(w.rendezvousPoint().node()), s -> {
        if (intros[node].service.rendezvous(w.request(), s, now)) {
          streams[node].serveRendezvous(s);
        }
      });
    } else if (ie instanceof IntroEvent.Rendezvoused r && !r.service()) {
      streams[node].open(r.circuit(), "echo".getBytes(StandardCharsets.US_ASCII));
    }
  }

  private void onStream(int node, StreamEvent se) {
    if (se instanceof StreamEvent.Begin b) {
      streams[node].accept(b.circuit(), b.stream()); // the service
    } else if (se instanceof StreamEvent.Connected c) {
      byte[] ping = new byte[ECHO_BYTES];
      pick.nextBytes(ping);
      streams[node].write(c.circuit(), c.stream(), ping, 0, ping.length, now * 1000);
    } else if (se instanceof StreamEvent.Data d) {
      streams[node].consumed(d.circuit(), d.stream(), 1);
      Connection c = byCircuit[node].get(d.circuit());
      if (c == null) { // the service: echo
        streams[node].write(d.circuit(), d.stream(), d.data(), 0, d.data().length, now * 1000);
      } else if (echoed[node].merge(d.circuit(), d.data().length, Integer::sum) >= ECHO_BYTES) {
        msToEcho.add(now - c.askedAt());
        engines[node].close(d.circuit());
      }
    }
  }

  private void push(long t, int kind, int arg) {
    queue.push(t, ((long) kind << 56) | (arg & 0xFFFFFFFFL));
  }

  private int slot(Object o) {
    slots.add(o);
    return slots.size() - 1;
  }

  private Object take(int s) {
    Object o = slots.get(s);
    slots.set(s, null);
    return o;
  }

  static String summary(Row r) {
    return String.format(java.util.Locale.ROOT,
        "rendezvous: %d/%d echoed through a rendezvous point (intro points established %d), ms to echo p50/90/99 %d/%d/%d,"
            + " circuits built %d, intro refusals %d%n",
        r.echoed(), r.asked(), r.introsEstablished(), r.percentile(0.5), r.percentile(0.9), r.percentile(0.99),
        r.builds(), r.introRefusals());
  }
}
