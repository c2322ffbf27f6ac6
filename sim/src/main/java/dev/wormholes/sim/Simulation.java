package dev.wormholes.sim;

import dev.wormholes.dht.Contact;
import dev.wormholes.dht.ContactInterner;
import dev.wormholes.dht.DhtConfig;
import dev.wormholes.dht.DhtEngine;
import dev.wormholes.dht.DhtEvent;
import dev.wormholes.proto.CachingValidator;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.ValueValidator;
import dev.wormholes.proto.engine.Transmit;
import dev.wormholes.proto.engine.WallClock;
import dev.wormholes.proto.wire.StoredValue;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One simulation run: every honest node is an unmodified {@link DhtEngine} driven in virtual time,
 * adversaries are {@link Adversaries} responders, and the network is a {@link NetworkModel}.
 *
 * <p>The drive loop pops the earliest event, feeds it to its node ({@code handleDatagram} or
 * {@code handleTimeout}, or a workload command), then drains all of that engine's outputs: every
 * transmit becomes a delivery event, every event is recorded, and {@code pollTimeout} re-arms the
 * node's timer (ARCHITECTURE.md). Nodes are indexes; node {@code i} has one shared
 * {@link Contact} and address ({@link SimAddresses}).
 *
 * <p>Determinism: the run seed is split into one generator for the network, one for the workload
 * and one per node (identity, then engine); events with equal times run in push order.
 */
public final class Simulation {
  /** Unix time of virtual time 0 (2027-01-15), so that record expiry uses realistic values. */
  public static final long WALL_BASE = 1_800_000_000_000L;

  // Event kinds, in the top byte of an event payload; the low bits are an index.
  private static final int DELIVER = 1;
  private static final int TIMER = 2;
  private static final int LOOKUP = 3;
  private static final int PUBLISH = 4;
  static final int CHURN = 5;
  private static final int MASS_LEAVE = 6;
  private static final int JOIN = 7;
  static final int REFRESH = 8;
  private static final int NAT = 9;
  private static final int SYBIL = 10;
  private static final int WHISPER = 11;
  private static final int CHANNEL = 12;
  private static final int KEYLOG = 13;
  static final int LAN = 14;
  private static final int NETWORK = 15;
  // Identities generated, and oracle tables filled, in parallel per step between progress updates.
  private static final int IDENTITY_CHUNK = 16_384;
  private static final int ORACLE_CHUNK = 2_048;
  private static final long INDEX_MASK = (1L << 56) - 1;

  final Scenario sc;
  private final Progress progress;
  private final int n;
  private final int k;
  private final EventQueue queue;
  private final DatagramPool pool = new DatagramPool();
  final Measurements measurements = new Measurements();
  private final SplittableRandom netRandom;
  final SplittableRandom workRandom;
  private final CachingValidator validator = new CachingValidator(ValueValidator.standard(), 1 << 20);
  final Counters counters = new Counters();
  long now;
  /** The node whose timer is being handled, -1 if none. */
  private int firingTimer = -1;
  // Hot counters (a map update per datagram would cost more than the datagram).
  private long sent;
  private long sentBytes;
  private long lost;
  private long delivered;
  private long toOffline;
  private long unroutable;
  private long timerSpins;

  // Per-node state, by node index.
  private final NetworkModel net;
  final NodeId[] ids;
  private final Contact[] contacts;
  final InetSocketAddress[] addresses;
  final DhtEngine[] engines;   // null for adversaries
  final Identity[] identities; // null for adversaries
  final boolean[] online;
  final boolean[] departed;    // left in the mass departure, never to return
  final long[] timerAt;        // earliest pending TIMER event, Long.MAX_VALUE if none
  final long[] lastLeaveAt;
  final int[] seq;             // seq of the newest presence record published, 0 if none
  final int[] prevSeq;
  final long[] seqAt;
  final int[] honest;          // honest node indexes
  int[] published;             // honest nodes that publish, in publish order
  private Adversaries adversaries;
  /** The adversaries' own program (join, flood), or null when they only answer. */
  private Sybils sybils;
  /** Adversary addresses from few /24s (adversary.prefixes > 0): node index by adversary ordinal. */
  private int[] adversaryByOrdinal;
  private final int adversaryPrefixes;
  private long honestKeygens;
  private long sybilKeygens;
  private long keygenNanos;
  int eclipseTarget = -1;
  final Timeline timeline;
  final NatLayer nat;          // null without nat.mix
  private final WhisperWorkload whispers; // null without whisper.pairs
  private final ChannelWorkload channels; // null without channel.count
  private final NetworkWorkload networks; // null without network.count
  final KeyLogWorkload keylogs;   // null without keylog.persons
  final LanWorkload lan;          // null without lan.segments
  private final DhtWorkload workload;
  /** DHT datagrams pass through the NAT boxes; node addresses are then public 11.a.b.c:4000. */
  private final boolean natDht;
  /** With nat.dht: nodes that cannot be reached unsolicited run the DHT read-only (nat.dht.read_only). */
  private final boolean dhtReadOnly;
  private long natFiltered;

  /** Prepare a run of {@code scenario}; the work happens in {@link #run()}. */
  public Simulation(Scenario scenario, Progress progress) {
    this.sc = scenario;
    this.progress = progress;
    this.n = scenario.integer("nodes");
    if (n < 2 || n > SimAddresses.MAX_NODES) throw new IllegalArgumentException("nodes must be 2.." + SimAddresses.MAX_NODES);
    this.k = scenario.integer("k");
    SplittableRandom root = new SplittableRandom(scenario.lng("seed"));
    this.netRandom = root.split();
    this.workRandom = root.split();
    this.net = new NetworkModel(n, root.split(), sc.dbl("latency.base_ms"), sc.dbl("latency.span_ms"),
        sc.integer("jitter_ms"), sc.dbl("loss"), sc.integer("uplink_kbps"));
    this.queue = new EventQueue(Math.max(1024, n * 2));
    ids = new NodeId[n];
    contacts = new Contact[n];
    addresses = new InetSocketAddress[n];
    engines = new DhtEngine[n];
    identities = new Identity[n];
    online = new boolean[n];
    departed = new boolean[n];
    timerAt = new long[n];
    lastLeaveAt = new long[n];
    java.util.Arrays.fill(lastLeaveAt, -1);
    seq = new int[n];
    prevSeq = new int[n];
    seqAt = new long[n];
    boolean[] bad = pickAdversaries(root.split());
    int h = 0;
    for (boolean b : bad) if (!b) h++;
    honest = new int[h];
    for (int i = 0, j = 0; i < n; i++) if (!bad[i]) honest[j++] = i;
    published = pickPublishers(sc.publishCount(h));
    long bucket = Math.max(60_000, sc.lng("lookup.window_s") * 1000 / 30);
    timeline = new Timeline(bucket);
    // The NAT layer draws from its own generator, so runs without it are unchanged.
    nat = sc.natEnabled()
        ? new NatLayer(sc, n, honest, sc.random(0x4E4154L))
        : null;
    whispers = sc.integer("whisper.pairs") > 0 ? WhisperWorkload.of(sc, honest) : null;
    channels = sc.integer("channel.count") > 0 ? ChannelWorkload.of(sc, honest) : null;
    networks = sc.integer("network.count") > 0 ? NetworkWorkload.of(sc, honest) : null;
    keylogs = sc.integer("keylog.persons") > 0 ? KeyLogWorkload.of(sc, honest) : null;
    lan = lanWorkload();
    natDht = Boolean.parseBoolean(sc.str("nat.dht"));
    if (natDht && nat == null) throw new IllegalArgumentException("nat.dht needs nat.mix");
    dhtReadOnly = natDht && Boolean.parseBoolean(sc.str("nat.dht.read_only"));
    adversaryPrefixes = sc.integer("adversary.prefixes");
    if (adversaryPrefixes < 0 || adversaryPrefixes > 256) throw new IllegalArgumentException("adversary.prefixes must be 0..256");
    createNodes(root, bad);
    workload = new DhtWorkload(this);
    if (nat != null) {
      nat.attach(identities, net, netRandom, online, () -> WALL_BASE + now, (t, index) -> push(t, NAT, index));
      if (dhtReadOnly) nat.onClassified(this::classified);
      nat.useDht(dht());
    }
  }

  private LanWorkload lanWorkload() {
    if (sc.integer("lan.segments") <= 0) return null;
    if (!sc.str("bootstrap").equals("join")) throw new IllegalArgumentException("lan.segments needs bootstrap = join");
    int seeds = Math.min(sc.integer("bootstrap.seeds"), honest.length);
    return new LanWorkload(sc.integer("lan.segments"), sc.integer("lan.size"), Boolean.parseBoolean(sc.str("lan.announce")),
        java.util.Arrays.copyOfRange(honest, seeds, honest.length), n);
  }

  /** The run's DHT as the NAT layer and the key-log workload use it: node {@code i}'s engine. */
  private NatLayer.Dht dht() {
    return new NatLayer.Dht() {
      @Override public long get(int node, NodeId key, long at) { return engines[node].get(key, at); }
      @Override public long publish(int node, StoredValue v, long at) { return engines[node].publish(v, at); }
      @Override public int contacts(int node) { return engines[node].contactCount(); }
      @Override public void drain(int node) { Simulation.this.drain(node); }
    };
  }

  // ---------------------------------------------------------------- setup

  private boolean[] pickAdversaries(SplittableRandom r) {
    int count = (int) Math.round(sc.dbl("adversaries") * n);
    boolean[] bad = new boolean[n];
    // Partial Fisher-Yates over node indexes; the first `seeds` honest nodes stay honest in join mode.
    int[] order = new int[n];
    for (int i = 0; i < n; i++) order[i] = i;
    for (int i = 0; i < count; i++) {
      int j = i + r.nextInt(n - i);
      int t = order[i]; order[i] = order[j]; order[j] = t;
      bad[order[i]] = true;
    }
    return bad;
  }

  private int[] pickPublishers(int count) {
    int[] order = honest.clone();
    for (int i = 0; i < count; i++) {
      int j = i + workRandom.nextInt(order.length - i);
      int t = order[i]; order[i] = order[j]; order[j] = t;
    }
    return java.util.Arrays.copyOf(order, count);
  }

  private void createNodes(SplittableRandom root, boolean[] bad) {
    SplittableRandom[] nodeRandom = new SplittableRandom[n];
    progress.phase("identities", n);
    int workBits = sc.integer("engine.id_work_bits");
    long[] tries = new long[1];
    long t0 = System.nanoTime();
    if (adversaryPrefixes > 0 && !natDht) adversaryByOrdinal = new int[n - honest.length];
    for (int i = 0, adv = 0; i < n; i++) {
      nodeRandom[i] = root.split();
      addresses[i] = natDht ? NatLayer.dhtAddress(i) : SimAddresses.of(i);
      if (bad[i] && adversaryByOrdinal != null) {
        adversaryByOrdinal[adv] = i;
        addresses[i] = SimAddresses.ofAdversary(adv++, adversaryPrefixes);
      }
    }
    // Key generation is most of this phase: every core takes a share. Each identity is drawn from
    // its node's own generator, so the result does not depend on the order or the thread. An
    // honest id meets the network's work factor like any other (2^w key pairs on average).
    long[] nodeTries = new long[n];
    for (int from = 0; from < n; from += IDENTITY_CHUNK) {
      java.util.stream.IntStream.range(from, Math.min(n, from + IDENTITY_CHUNK)).parallel().forEach(i -> {
        if (!bad[i]) {
          long[] t = new long[1];
          identities[i] = Sybils.grind(nodeRandom[i], null, 0, workBits, t);
          ids[i] = identities[i].id();
          nodeTries[i] = t[0];
        }
      });
      progress.update(from, "");
    }
    for (long t : nodeTries) tries[0] += t;
    honestKeygens = tries[0];
    keygenNanos = System.nanoTime() - t0;
    if (honest.length < n) {
      placeAdversaryIds(bad, nodeRandom);
    }
    if (eclipseTarget >= 0 && published.length > 0
        && java.util.Arrays.stream(published).noneMatch(p -> p == eclipseTarget)) {
      published = java.util.Arrays.copyOf(published, published.length + 1);
      published[published.length - 1] = eclipseTarget; // the attacked record must exist
    }
    for (int i = 0; i < n; i++) {
      contacts[i] = new Contact(ids[i], addresses[i]);
    }
    DhtConfig.Builder cb = DhtConfig.builder().k(k).alpha(sc.integer("alpha"))
        .disjointPaths(sc.integer("disjoint_paths")).requestTimeoutMs(sc.lng("request_timeout_ms"))
        .contactInterner(interner());
    if (!sc.str("engine.ping_backs_per_second").isBlank()) {
      cb.pingBacksPerSecond(sc.integer("engine.ping_backs_per_second"));
    }
    if (!sc.str("engine.bucket_refresh_s").isBlank()) {
      cb.bucketRefreshMs(sc.lng("engine.bucket_refresh_s") * 1000);
    }
    // The scenario's d is every lookup's, GETs and PUTs included (the adversary grid sweeps it).
    cb.valueDisjointPaths(sc.integer("disjoint_paths"));
    if (natDht || !Boolean.parseBoolean(sc.str("engine.prefix_limits"))) {
      // NatLayer's public IPs are consecutive (a few /24s for the whole run): no per-prefix limits.
      cb.maxPerPrefixPerBucket(0).maxPerPrefixInTable(0);
    }
    if (!sc.str("engine.max_stored_values").isBlank()) cb.maxStoredValues(sc.integer("engine.max_stored_values"));
    if (!sc.str("engine.get_quorum").isBlank()) cb.getQuorum(sc.integer("engine.get_quorum"));
    cb.idWorkBits(workBits);
    DhtConfig config = cb.build();
    DhtConfig readOnly = cb.readOnly(true).build();
    WallClock wall = () -> WALL_BASE + now;
    progress.phase("engines", n);
    for (int i = 0; i < n; i++) {
      online[i] = true;
      timerAt[i] = Long.MAX_VALUE;
      if (!bad[i]) {
        engines[i] = new DhtEngine(identities[i], startsReadOnly(i) ? readOnly : config, nodeRandom[i], wall,
            validator, new LazyValueStore());
        if (published.length == 0 && (nat == null || !nat.member(i)) && (channels == null || !channels.member(i))
            && (keylogs == null || !keylogs.member(i)) && (networks == null || !networks.member(i))) {
          identities[i] = null; // only publishers, punching nodes, channel members and key-log devices sign anything
        }
      }
      if ((i & 1023) == 0) progress.update(i, "");
    }
  }

  /**
   * With nat.dht.read_only, whether node {@code i} starts read-only: a member of a connect pair
   * does not (unknown axes filter nobody, {@link dev.wormholes.nat.NatReport#filtersStrangers}, as
   * in the daemon) until its NAT hint arrives ({@link #classified}); any other node is told its
   * type. Seeds never are.
   */
  private boolean startsReadOnly(int i) {
    if (!dhtReadOnly || isSeed(i) || nat.member(i)) return false;
    return nat.filtersStrangers(i);
  }

  private boolean isSeed(int i) {
    if (!sc.str("bootstrap").equals("join")) return false;
    int seeds = Math.min(sc.integer("bootstrap.seeds"), honest.length);
    for (int s = 0; s < seeds; s++) if (honest[s] == i) return true;
    return false;
  }

  /** A member learnt its NAT type: its DHT engine goes read-only unless it is reachable unsolicited. */
  private void classified(int node, dev.wormholes.nat.punch.NatHint hint, long at) {
    DhtEngine e = engines[node];
    if (e == null || isSeed(node)) return;
    e.setReadOnly(nat.filtersStrangers(node, hint), at);
    drain(node);
  }

  /** Adversary ids: random, or sharing a long prefix with one honest node's id (eclipse). */
  private void placeAdversaryIds(boolean[] bad, SplittableRandom[] nodeRandom) {
    boolean eclipse = sc.str("adversary.placement").equals("eclipse");
    if (eclipse || sc.str("lookup.target").equals("eclipse")) {
      eclipseTarget = honest[workRandom.nextInt(honest.length)];
    }
    int bits = sc.integer("adversary.eclipse_bits");
    if (bits <= 0) bits = 32 - Integer.numberOfLeadingZeros(n) + 4;
    List<String> behaviours = sc.behaviours();
    boolean active = behaviours.contains("join") || behaviours.contains("flood");
    long[] tries = new long[1];
    long t0 = System.nanoTime();
    // The work the attacker grinds its ids to: the network's unless the scenario says otherwise.
    int attackerWork = sc.str("adversary.id_work_bits").isBlank() ? sc.integer("engine.id_work_bits")
        : sc.integer("adversary.id_work_bits");
    long budget = sc.lng("adversary.keygen_budget");
    Identity[] bought = null;
    if (active && eclipse && budget > 0) {
      if (budget < n - honest.length) {
        throw new IllegalArgumentException("adversary.keygen_budget = " + budget + " is fewer key pairs than the "
            + (n - honest.length) + " adversaries");
      }
      // A fixed budget of key pairs: how close its ids get to the target is what the budget buys.
      bought = Sybils.spend(workRandom.split(), budget, ids[eclipseTarget], attackerWork, n - honest.length);
      tries[0] = budget;
    }
    for (int i = 0, next = 0; i < n; i++) {
      if (!bad[i]) continue;
      if (active) {
        // Active Sybils hold real keys: an eclipse id costs 2^bits key pairs, times 2^w of id work.
        identities[i] = bought != null ? bought[next++] : Sybils.grind(nodeRandom[i],
            eclipse ? ids[eclipseTarget] : null, eclipse ? bits : 0, attackerWork, tries);
        ids[i] = identities[i].id();
        continue;
      }
      byte[] b = new byte[NodeId.BYTES];
      nodeRandom[i].nextBytes(b);
      NodeId id = NodeId.of(b);
      if (eclipse) {
        NodeId t = ids[eclipseTarget];
        NodeId low = id.xor(IdIndex.fill(id, bits, false)); // the random id's bits below `bits`
        id = IdIndex.fill(t, bits, false).xor(low);         // target's first `bits` bits, random below
      }
      ids[i] = id;
    }
    int[] all = new int[n];
    for (int i = 0; i < n; i++) all[i] = i;
    NodeId[] advIds = new NodeId[n];
    for (int i = 0; i < n; i++) if (bad[i]) advIds[i] = ids[i];
    sybilKeygens = tries[0];
    keygenNanos += System.nanoTime() - t0;
    adversaries = new Adversaries(behaviours, k, ids, addresses, new IdIndex(advIds, all), new IdIndex(ids, all));
    if (active) {
      NodeId[] honestIds = new NodeId[n];
      for (int i : honest) honestIds[i] = ids[i];
      Identity[] keys = new Identity[n];
      for (int i = 0; i < n; i++) if (bad[i]) keys[i] = identities[i];
      sybils = new Sybils(keys, ids, new IdIndex(honestIds, all), behaviours, k, sc.dbl("adversary.flood_per_s"), n,
          0L, workRandom.split(), (from, to, bytes) -> send(from, to, 0, bytes));
      for (int i = 0; i < n; i++) if (bad[i]) identities[i] = null; // engines[i] == null marks adversaries
      adversaries.activate(sybils);
    }
  }

  /** Share one Contact per node among all engines (the engine interns what it keeps). */
  private ContactInterner interner() {
    return c -> {
      int i = indexOf(c.address());
      if (i < 0 || i >= n || contacts[i] == null) return c;
      return contacts[i] == c || contacts[i].equals(c) ? contacts[i] : c;
    };
  }

  // ---------------------------------------------------------------- run

  /** Run the scenario to its end and return what was measured. */
  public RunResult run() {
    long setupStart = System.nanoTime();
    bootstrap();
    schedule();
    long setupNs = System.nanoTime() - setupStart;
    HeapMeter heap = new HeapMeter();
    long heapAfterSetup = heap.usedAfterGc();
    heap.resetPeak();
    long end = endTime();
    progress.phase("simulating", end);
    long events = 0;
    long t0 = System.nanoTime();
    while (!queue.isEmpty() && queue.peekTime() <= end) {
      long payload = queue.pop();
      now = queue.lastTime();
      dispatch((int) (payload >>> 56), (int) (payload & INDEX_MASK));
      if ((++events & 0x3FFF) == 0) {
        double secs = (System.nanoTime() - t0) / 1e9;
        progress.update(now, String.format(java.util.Locale.ROOT, "t=%ds %.0fk ev/s", now / 1000, events / secs / 1000));
      }
    }
    double runSeconds = (System.nanoTime() - t0) / 1e9;
    progress.finish();
    workload.finishUnfinished();
    counters.put("events", events);
    counters.put("net.sent", sent);
    counters.put("net.bytes", sentBytes);
    counters.put("net.lost", lost);
    counters.put("net.delivered", delivered);
    counters.put("net.to_offline", toOffline);
    counters.put("net.unroutable", unroutable);
    counters.put("timer.spins", timerSpins);
    if (natDht) counters.put("net.nat_filtered", natFiltered);
    for (DhtEngine e : engines) {
      if (e == null) continue;
      for (Map.Entry<String, Long> c : e.stats().snapshot().entrySet()) {
        if (c.getValue() != 0) counters.add("engine." + c.getKey(), c.getValue());
      }
    }
    counters.put("validator.cache_hits", validator.hits());
    counters.put("validator.verifications", validator.misses());
    if (nat != null) {
      nat.count(counters);
      if (natDht) {
        workload.countLookupsByTargetType();
        workload.countTableContactsByType();
        long ro = 0;
        for (DhtEngine e : engines) if (e != null && e.isReadOnly()) ro++;
        counters.put("dht.read_only_nodes", ro);
      }
    }
    if (whispers != null) whispers.count(counters);
    if (channels != null) channels.count(counters);
    if (networks != null) networks.count(counters, endTime(), 60_000);
    if (keylogs != null) keylogs.count(counters, endTime(), Math.min(3_600_000L, sc.lng("drain_s") * 1000));
    if (lan != null) lan.count(counters);
    if (adversaries != null) {
      counters.put("adversary.answered", adversaries.answered());
      counters.put("adversary.dropped", adversaries.dropped());
    }
    counters.put("identity.honest_keygens", honestKeygens);
    if (sybils != null) {
      counters.put("sybil.keygens", sybilKeygens);
      long lacking = 0;
      int best = 0;
      for (int i = 0; i < n; i++) {
        if (engines[i] != null) continue;
        if (!dev.wormholes.proto.KeyProofs.meetsWork(ids[i], sc.integer("engine.id_work_bits"))) lacking++;
        else if (eclipseTarget >= 0) best = Math.max(best, ids[i].commonPrefixLength(ids[eclipseTarget]));
      }
      counters.put("sybil.ids_below_work", lacking);
      if (eclipseTarget >= 0) counters.put("eclipse.sybil_best_prefix", best);
      sybils.count(counters);
      workload.countSybilsInTables();
    }
    long medianRtt = net.medianRttMs(10_000, new SplittableRandom(sc.lng("seed") ^ 0x5EED));
    RunResult.Perf perf = new RunResult.Perf(events, runSeconds, setupNs / 1e9, heapAfterSetup, heap.peak(),
        keygenNanos / 1e9);
    return new RunResult(sc, n, honest.length, measurements, counters.snapshot(), timeline, medianRtt, perf,
        nat == null ? null : nat.connects());
  }

  private long endTime() {
    long lookupsEnd = (sc.lng("lookup.start_s") + sc.lng("lookup.window_s") + sc.lng("drain_s")) * 1000;
    long end = nat == null ? lookupsEnd : Math.max(lookupsEnd, nat.endTime());
    if (whispers != null) end = Math.max(end, whispers.lastQueuedAt() + sc.lng("drain_s") * 1000);
    if (keylogs != null) end = Math.max(end, keylogs.endTime() + sc.lng("drain_s") * 1000);
    if (networks != null) end = Math.max(end, networks.lastChangeAt() + sc.lng("drain_s") * 1000);
    return channels == null ? end : Math.max(end, channels.lastPostAt() + sc.lng("drain_s") * 1000);
  }

  private void bootstrap() {
    if (sc.str("bootstrap").equals("oracle")) {
      IdIndex index = new IdIndex(ids, allNodes());
      OracleBootstrap oracle = new OracleBootstrap(index, k);
      boolean joining = sc.behaviours().contains("join");
      int late = lateTarget();
      SplittableRandom r = workRandom.split();
      progress.phase("oracle tables", honest.length);
      long total = 0;
      // Global knowledge of who serves: read-only nodes are in nobody's table, nor are active
      // Sybils (they earn their place on the wire) or a late target (it joins through the seeds
      // when its time comes). Read once into a flat array, so a pick does not touch the picked
      // node's engine.
      boolean[] serves = new boolean[n];
      for (int i = 0; i < n; i++) {
        serves[i] = engines[i] == null ? !joining : !engines[i].isReadOnly();
      }
      if (late >= 0) serves[late] = false;
      // Per chunk of nodes: the picks in node order from the one generator, then every core adds
      // them to its share of the engines (each engine only takes its own contacts), then the
      // outputs are drained in node order. The result is the same as one node at a time.
      int[][] picks = new int[ORACLE_CHUNK][];
      for (int from = 0; from < honest.length; from += ORACLE_CHUNK) {
        int to = Math.min(honest.length, from + ORACLE_CHUNK);
        for (int j = from; j < to; j++) {
          picks[j - from] = honest[j] == late ? new int[0] : oracle.picks(ids[honest[j]], r);
          total += picks[j - from].length;
        }
        int base = from;
        java.util.stream.IntStream.range(from, to).parallel().forEach(j -> {
          DhtEngine e = engines[honest[j]];
          for (int node : picks[j - base]) {
            if (serves[node]) e.addContact(contacts[node], 0);
          }
        });
        for (int j = from; j < to; j++) if (honest[j] != late) drain(honest[j]);
        progress.update(from, "");
      }
      counters.put("oracle.contacts", total);
    } else {
      int seeds = Math.min(sc.integer("bootstrap.seeds"), honest.length);
      List<InetSocketAddress> seedAddrs = new ArrayList<>();
      for (int s = 0; s < seeds; s++) seedAddrs.add(addresses[honest[s]]);
      for (int s = 0; s < seeds; s++) {
        for (int t = 0; t < seeds; t++) {
          if (s != t) engines[honest[s]].addContact(contacts[honest[t]], 0);
        }
        drain(honest[s]);
      }
      long window = Math.max(1, sc.lng("bootstrap.window_s") * 1000);
      for (int j = seeds; j < honest.length; j++) {
        push(workRandom.nextLong(window), JOIN, honest[j]);
      }
    }
  }

  private int[] allNodes() {
    int[] all = new int[n];
    for (int i = 0; i < n; i++) all[i] = i;
    return all;
  }

  private void schedule() {
    long pubStart = sc.lng("publish.start_s") * 1000;
    long pubWindow = Math.max(1, sc.lng("publish.window_s") * 1000);
    for (int p = 0; p < published.length; p++) {
      push(pubStart + workRandom.nextLong(pubWindow), PUBLISH, p);
    }
    int lookups = sc.integer("lookups");
    long lookStart = sc.lng("lookup.start_s") * 1000;
    long lookWindow = Math.max(1, sc.lng("lookup.window_s") * 1000);
    for (int q = 0; q < lookups; q++) {
      push(lookStart + (lookWindow * q) / lookups, LOOKUP, q); // evenly spaced: a steady load
    }
    Distribution session = sc.churn();
    if (session != null) {
      int seeds = sc.str("bootstrap").equals("join") ? sc.integer("bootstrap.seeds") : 0;
      for (int j = seeds; j < honest.length; j++) {
        push(session.sample(workRandom), CHURN, honest[j]);
      }
    }
    if (sc.lng("leave.at_s") >= 0) {
      push(sc.lng("leave.at_s") * 1000, MASS_LEAVE, 0);
    }
    if (nat != null) {
      nat.schedule();
    }
    if (whispers != null) {
      whispers.attach(ids, online, net, netRandom, WALL_BASE, (t, index) -> push(t, WHISPER, index));
      whispers.schedule();
    }
    if (channels != null) {
      channels.attach(identities, ids, online, net, netRandom, WALL_BASE, (t, index) -> push(t, CHANNEL, index));
      channels.schedule();
    }
    if (lan != null) lan.attach(this);
    if (networks != null) {
      networks.attach(identities, online, net, netRandom, WALL_BASE, (t, index) -> push(t, NETWORK, index));
      networks.schedule();
    }
    if (keylogs != null) {
      keylogs.attach(identities, addresses, online, WALL_BASE, engines[honest[0]].config().networkId(), dht(), net,
          (t, index) -> push(t, KEYLOG, index));
      keylogs.schedule();
    }
    int late = lateTarget();
    if (late >= 0) {
      online[late] = false;
      push(sc.lng("adversary.target_join_s") * 1000, JOIN, late);
    }
    if (sybils != null) {
      long window = Math.max(1, sc.lng("adversary.join_window_s") * 1000);
      for (int i = 0; i < n; i++) {
        if (engines[i] == null) push(workRandom.nextLong(window), SYBIL, i);
      }
    }
  }

  void push(long time, int kind, int index) {
    queue.push(time, ((long) kind << 56) | (index & 0xFFFFFFFFL)); // an index may use its sign bit (NatLayer's kinds)
  }

  private void dispatch(int kind, int index) {
    switch (kind) {
      case DELIVER: deliver(index); break;
      case TIMER: timer(index); break;
      case LOOKUP: workload.lookup(); break;
      case PUBLISH: workload.publish(published[index], true); break;
      case REFRESH: workload.refresh(index); break;
      case CHURN: workload.churn(index); break;
      case MASS_LEAVE: workload.massLeave(); break;
      case JOIN: workload.join(index); break;
      case NAT: nat.dispatch(index, now); break;
      case WHISPER: whispers.dispatch(index, now); break;
      case CHANNEL: channels.dispatch(index, now); break;
      case KEYLOG: keylogs.dispatch(index, now); break;
      case LAN: lan.dispatch(index, now); break;
      case NETWORK: networks.dispatch(index, now); break;
      case SYBIL: push(sybils.tick(index, now), SYBIL, index); break;
      default: throw new IllegalStateException("unknown event kind " + kind);
    }
  }

  // ---------------------------------------------------------------- network and timers

  private void deliver(int slot) {
    int from = pool.from(slot);
    int to = pool.to(slot);
    int fromPort = pool.fromPort(slot);
    int toPort = pool.toPort(slot);
    byte[] bytes = pool.take(slot);
    if (!online[to]) {
      toOffline++;
      return;
    }
    if (natDht && nat.inbound(to, from, fromPort, toPort, now) < 0) {
      natFiltered++; // no mapping, or the box's filter refuses it
      return;
    }
    delivered++;
    DhtEngine e = engines[to];
    if (e == null) {
      byte[] reply = adversaries.handle(to, from, bytes, WALL_BASE + now);
      if (reply != null) send(to, from, fromPort, reply);
      return;
    }
    e.handleDatagram(natDht ? NatLayer.endpoint(from, fromPort) : addresses[from], bytes, now);
    drain(to);
    if (lan != null) lan.afterDatagram(to, now);
  }

  /** Return the node an address names, or -1 (with nat.dht: any port of a node's public IP). */
  int indexOf(InetSocketAddress a) {
    if (natDht) return NatLayer.nodeOf(a, n);
    int i = SimAddresses.indexOf(a);
    if (i < 0 && adversaryByOrdinal != null) {
      int j = SimAddresses.adversaryOrdinal(a, adversaryPrefixes);
      if (j >= 0 && j < adversaryByOrdinal.length) i = adversaryByOrdinal[j];
    }
    return i;
  }

  /** Send to node {@code to} at public port {@code toPort} (only meaningful with nat.dht). */
  private void send(int from, int to, int toPort, byte[] bytes) {
    sent++;
    sentBytes += bytes.length;
    timeline.sent(now);
    int fromPort = 0;
    if (natDht) {
      fromPort = nat.outbound(from, to, toPort, now);
      if (fromPort < 0) {
        natFiltered++; // the sender's NAT table is full
        return;
      }
    }
    long at = net.arrival(from, to, bytes.length, now, netRandom);
    if (at < 0) {
      lost++;
      return;
    }
    push(at, DELIVER, pool.add(from, to, fromPort, toPort, bytes));
  }

  private void timer(int i) {
    if (queue.lastTime() != timerAt[i]) {
      return; // superseded by an earlier one
    }
    timerAt[i] = Long.MAX_VALUE;
    if (!online[i]) return;
    DhtEngine e = engines[i];
    firingTimer = i;
    if (e.pollTimeout() <= now) {
      e.handleTimeout(now);
    }
    drain(i);
    firingTimer = -1;
  }

  /** Drain every output of engine {@code i} (the driver's half of the engine contract). */
  void drain(int i) {
    DhtEngine e = engines[i];
    Transmit t;
    while ((t = e.pollTransmit()) != null) {
      int to = indexOf(t.to());
      if (to < 0 || to >= n || (natDht && to == i)) {
        unroutable++;
        continue;
      }
      send(i, to, t.to().getPort(), t.payload());
    }
    DhtEvent ev;
    while ((ev = e.pollEvent()) != null) {
      if (natDht && ev instanceof DhtEvent.AddressObserved) {
        // Responses carry the address the responder saw: behind a NAT, the box's mapping.
        boolean otherPort = !((DhtEvent.AddressObserved) ev).observed().equals(addresses[i]);
        counters.add(otherPort ? "dht.observed.other_port" : "dht.observed.nominal");
      }
      if (ev instanceof DhtEvent.QueryFinished) {
        DhtEvent.QueryFinished f = (DhtEvent.QueryFinished) ev;
        workload.finished(i, f.queryId(), f.result());
      }
    }
    long due = e.pollTimeout();
    if (due != Long.MAX_VALUE) {
      long at = Math.max(due, now);
      if (due <= now && firingTimer == i) {
        at = now + 1; // still due right after handleTimeout: fire again 1 ms later, never livelock
        timerSpins++;
      }
      if (at < timerAt[i]) {
        timerAt[i] = at;
        push(at, TIMER, i);
      }
    }
  }

  /** The eclipse target when it joins late (adversary.target_join_s >= 0), else -1. */
  private int lateTarget() {
    return sc.lng("adversary.target_join_s") >= 0 ? eclipseTarget : -1;
  }

  /** Return the NAT type of node {@code i}, or null without a NAT layer, for tests. */
  dev.wormholes.sim.nat.NatType natType(int i) {
    return nat == null ? null : nat.type(i);
  }

  /** Return the engine of node {@code i} (null for an adversary), for tests. */
  DhtEngine engine(int i) {
    return engines[i];
  }

  /** Deterministic named counters of a run. */
  static final class Counters {
    private final Map<String, Long> values = new java.util.TreeMap<>();

    void add(String name) {
      add(name, 1);
    }

    void add(String name, long v) {
      values.merge(name, v, Long::sum);
    }

    void put(String name, long v) {
      values.put(name, v);
    }

    Map<String, Long> snapshot() {
      return new java.util.TreeMap<>(values);
    }
  }
}
