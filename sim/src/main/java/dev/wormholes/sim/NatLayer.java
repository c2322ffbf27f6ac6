package dev.wormholes.sim;

import dev.wormholes.nat.NatBehaviour;
import dev.wormholes.nat.NatReport;
import dev.wormholes.nat.punch.Candidate;
import dev.wormholes.nat.punch.HolePunch;
import dev.wormholes.nat.punch.NatHint;
import dev.wormholes.nat.punch.PunchEvent;
import dev.wormholes.nat.punch.PunchTransmit;
import dev.wormholes.nat.punch.Rendezvous;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.engine.WallClock;
import dev.wormholes.sim.nat.LongLongMap;
import dev.wormholes.sim.nat.NatAddresses;
import dev.wormholes.sim.nat.NatBox;
import dev.wormholes.sim.nat.NatMix;
import dev.wormholes.sim.nat.NatType;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SplittableRandom;

/**
 * The NAT population of a run and its connect workload: every node gets a {@link NatType} from
 * {@code nat.mix} (and, with {@code nat.port_mapping}, a static port mapping); {@code
 * nat.connect_pairs} disjoint pairs of honest nodes connect, the initiator running the real {@link
 * HolePunch} engine towards the target, which registered earlier with a public node running the
 * real {@link Rendezvous} engine. Every datagram goes through the sender's and the receiver's
 * {@link NatBox} and through the run's {@link NetworkModel} (latency from coordinates, jitter,
 * loss), in the simulation's event queue and virtual time.
 *
 * <p>Each member first learns its NAT type with the real {@link dev.wormholes.nat.NatClassifier}
 * through the boxes ({@link Classification}; {@code nat.classify = false} tells it instead), then a
 * target registers. Driving follows the engine contract: after each input every {@code poll*} is
 * drained; one timer event per member re-arms at the earlier of its engine's and its
 * classification's deadlines. Nodes learn their observed endpoint from the rendezvous ({@code
 * Registered}) and announce it as a candidate with their LAN address and, if they have one, the
 * mapped port. DHT traffic does not pass through the NAT boxes.
 *
 * <p>Memory: one byte per node (type and mapping flag) and one reference per node for a box that
 * exists only after the node first sends; engines exist only for pair members and rendezvous peers.
 */
final class NatLayer {
  /** Schedules an event of the NAT layer: {@link #dispatch} gets {@code index} back at {@code time}. */
  interface Scheduler {
    void at(long time, int index);
  }

  /** Hears each member's NAT hint once it has one (classified, or told with {@code nat.classify = false}). */
  interface ClassifiedListener {
    void classified(int node, NatHint hint, long now);
  }

  private static final int SUB_SHIFT = 28;
  private static final int VALUE_MASK = (1 << SUB_SHIFT) - 1;
  private static final int DELIVER = 0;
  private static final int TIMER = 1;
  private static final int CONNECT = 2;
  private static final int START = 3;
  private static final int MAPPED_BIT = 0x80;
  private static final int START_WINDOW_MS = 10_000;

  private final int n;
  private final byte[] types;           // NatType ordinal | MAPPED_BIT
  private final NatBox[] boxes;         // null until the node first sends or is sent to
  private final long timeoutMs;
  private final int maxEntries;
  private final HolePunch.Config config;
  private final SplittableRandom random;
  private final NatMix mix;
  private final Connects connects;
  private final long connectStart;
  private final long connectWindow;
  // Engines by slot: pair p's target is slot 2p, its initiator 2p + 1.
  private final HolePunch[] engines;
  private final long[] timerAt;
  // Classification by slot (null with nat.classify = false) and the hint each member ends up with.
  private final boolean classify;
  private final Classification[] classifications;
  private final NatHint[] hints;
  private final long[] keepalive;
  // Honest public nodes, in a ring: each rendezvous' helper for "other host" dial-backs is the next.
  private int[] publics;
  private final LongLongMap publicIndex = new LongLongMap(16);
  private final LongLongMap slotOfNode = new LongLongMap(16);
  private final List<Rendezvous> rendezvous = new ArrayList<>();
  private final LongLongMap rendezvousOfNode = new LongLongMap(16);
  private final DatagramPool pool = new DatagramPool(256);
  // Set by attach().
  private Identity[] identities;
  private NetworkModel net;
  private SplittableRandom netRandom;
  private boolean[] online;
  private WallClock wall;
  private Scheduler scheduler;
  private ClassifiedListener classifiedListener;
  private int firing = -1;
  // Counters.
  private long sent;
  private long delivered;
  private long lost;
  private long filtered;
  private long tableFull;
  private long unroutable;
  private long noSocket;
  private long toOffline;
  private long peakBoxEntries;
  private long offlineConnects;
  private long unclassifiedConnects;
  private long classifiedRight;
  private long classifiedWrong;
  private long classifiedNoReflector;
  private long wrongMapping;
  private long wrongFiltering;

  /** Assign NAT types to {@code n} nodes and pick the connect pairs among {@code honest}. */
  NatLayer(Scenario sc, int n, int[] honest, SplittableRandom random) {
    this.n = n;
    this.random = random;
    this.mix = NatMix.parse(sc.str("nat.mix"));
    this.types = mix.assign(n, random);
    if (Boolean.parseBoolean(sc.str("nat.dht")) && sc.str("bootstrap").equals("join")) {
      makeSeedsPublic(honest, Math.min(sc.integer("bootstrap.seeds"), honest.length));
    }
    this.boxes = new NatBox[n];
    this.timeoutMs = sc.lng("nat.mapping_timeout_s") * 1000;
    this.maxEntries = sc.integer("nat.max_entries");
    this.config = config(sc);
    this.connectStart = sc.lng("nat.connect.start_s") * 1000;
    this.connectWindow = Math.max(1, sc.lng("nat.connect.window_s") * 1000);
    markPortMappings(sc.dbl("nat.port_mapping"));
    int pairs = sc.integer("nat.connect_pairs");
    if (2L * pairs > honest.length) {
      throw new IllegalArgumentException("nat.connect_pairs needs 2 honest nodes per pair: at most " + honest.length / 2);
    }
    connects = new Connects(pairs);
    engines = new HolePunch[2 * pairs];
    timerAt = new long[2 * pairs];
    classify = Boolean.parseBoolean(sc.str("nat.classify"));
    classifications = new Classification[2 * pairs];
    hints = new NatHint[2 * pairs];
    keepalive = new long[2 * pairs];
    Arrays.fill(timerAt, Long.MAX_VALUE);
    pickPairs(honest, pairs);
  }

  private static HolePunch.Config config(Scenario sc) {
    HolePunch.Config d = HolePunch.Config.defaults();
    if (sc.str("nat.punch_timeout_ms").isBlank()) return d;
    return new HolePunch.Config(d.connectRetryMs(), d.probeIntervalMs(), sc.lng("nat.punch_timeout_ms"),
        d.birthdaySockets(), d.birthdayProbes(), d.birthdayBatch(), d.birthdayBatchIntervalMs(), d.hardRefreshMs(),
        d.registerIntervalMs(), d.maxSessions(), d.lingerMs());
  }

  /**
   * Joining through NATs needs seeds everyone can reach: swap the first {@code seeds} honest nodes'
   * types with public nodes' (the mix's counts stay exact).
   */
  private void makeSeedsPublic(int[] honest, int seeds) {
    int next = 0;
    for (int s = 0; s < seeds; s++) {
      int seed = honest[s];
      if (types[seed] == NatType.PUBLIC.ordinal()) continue;
      while (next < n && (types[next] != NatType.PUBLIC.ordinal() || isSeed(honest, seeds, next))) next++;
      if (next == n) throw new IllegalArgumentException("nat.dht with bootstrap = join needs a public node per seed");
      types[next] = types[seed];
      types[seed] = (byte) NatType.PUBLIC.ordinal();
    }
  }

  private static boolean isSeed(int[] honest, int seeds, int node) {
    for (int s = 0; s < seeds; s++) if (honest[s] == node) return true;
    return false;
  }

  /** Give a static port mapping to that share of the NATed nodes (exact count, seeded choice). */
  /** Return whether members learn their NAT type from peers ({@code nat.classify}). */
  boolean classifies() {
    return classify;
  }

  private void markPortMappings(double share) {
    int[] natted = new int[n];
    int c = 0;
    for (int i = 0; i < n; i++) if (types[i] != NatType.PUBLIC.ordinal()) natted[c++] = i;
    int want = (int) Math.round(share * c);
    for (int k = 0; k < want; k++) {
      int j = k + random.nextInt(c - k);
      int t = natted[k]; natted[k] = natted[j]; natted[j] = t;
      types[natted[k]] |= MAPPED_BIT;
    }
  }

  private void pickPairs(int[] honest, int pairs) {
    int[] order = honest.clone();
    for (int k = 0; k < 2 * pairs; k++) {
      int j = k + random.nextInt(order.length - k);
      int t = order[k]; order[k] = order[j]; order[j] = t;
    }
    publics = new int[honest.length];
    int pc = 0;
    for (int i : honest) {
      if (type(i) == NatType.PUBLIC) {
        publicIndex.put(i, pc);
        publics[pc++] = i;
      }
    }
    publics = Arrays.copyOf(publics, pc);
    for (int p = 0; p < pairs; p++) {
      int a = order[2 * p];
      int b = order[2 * p + 1];
      connects.initiator[p] = a;
      connects.target[p] = b;
      connects.catA[p] = (byte) category(a);
      connects.catB[p] = (byte) category(b);
      connects.rendezvous[p] = pickRendezvous(publics, pc, a, b);
      slotOfNode.put(b, 2L * p);
      slotOfNode.put(a, 2L * p + 1);
    }
  }

  /** A random public node other than both ends: the rendezvous the target registers with. */
  private int pickRendezvous(int[] publics, int count, int a, int b) {
    for (int tries = 0; tries < 1000 && count > 0; tries++) {
      int r = publics[random.nextInt(count)];
      if (r != a && r != b) return r;
    }
    throw new IllegalArgumentException("nat.mix needs public nodes (other than both ends) to act as rendezvous peers");
  }

  /** Return whether node {@code i} takes part in a connect pair (it needs its identity). */
  boolean member(int i) {
    return slotOfNode.containsKey(i);
  }

  /** Connect the layer to the run's identities, network, clock and event queue. */
  void attach(Identity[] ids, NetworkModel network, SplittableRandom networkRandom, boolean[] onlineNodes,
      WallClock wallClock, Scheduler s) {
    this.identities = ids;
    this.net = network;
    this.netRandom = networkRandom;
    this.online = onlineNodes;
    this.wall = wallClock;
    this.scheduler = s;
  }

  /** Tell {@code l} each member's hint when it has one (the DHT's read-only switch listens). */
  void onClassified(ClassifiedListener l) {
    this.classifiedListener = l;
  }

  /**
   * Return whether node {@code i}, with its true NAT type and port mapping, filters strangers
   * ({@link NatReport#filtersStrangers}: the daemon's rule): then it runs the DHT read-only.
   */
  boolean filtersStrangers(int i) {
    return new NatReport(type(i).mapping, type(i).filtering, true, null, 0, 0).filtersStrangers(mapped(i));
  }

  /** Return whether node {@code i}, knowing its NAT as {@code hint}, filters strangers (the same rule). */
  boolean filtersStrangers(int i, NatHint hint) {
    return new NatReport(hint.mapping(), hint.filtering(), true, null, 0, 0).filtersStrangers(mapped(i));
  }

  /** Schedule the targets' registrations and the connects (evenly spaced over the window). */
  void schedule() {
    int pairs = connects.pairs();
    long registerWindow = Math.max(1, Math.min(START_WINDOW_MS, connectStart));
    for (int slot = 0; slot < 2 * pairs; slot++) {
      scheduler.at(random.nextLong(registerWindow), START << SUB_SHIFT | slot);
    }
    for (int p = 0; p < pairs; p++) {
      scheduler.at(connectStart + connectWindow * p / pairs, CONNECT << SUB_SHIFT | p);
    }
  }

  /** Return when the last connect must have ended. */
  long endTime() {
    return connects.pairs() == 0 ? 0 : connectStart + connectWindow + config.punchTimeoutMs() + 5_000;
  }

  NatType type(int i) {
    return NatType.values()[types[i] & ~MAPPED_BIT & 0xFF];
  }

  boolean mapped(int i) {
    return (types[i] & MAPPED_BIT) != 0;
  }

  int category(int i) {
    return mapped(i) ? Connects.MAPPED : type(i).ordinal();
  }

  // ---------------------------------------------------------------- events

  /** Handle one of this layer's events at {@code now}. */
  void dispatch(int index, long now) {
    int value = index & VALUE_MASK;
    switch (index >>> SUB_SHIFT) {
      case DELIVER: deliver(value, now); break;
      case TIMER: timer(value, now); break;
      case CONNECT: connect(value, now); break;
      case START: begin(value, now); break;
      default: throw new IllegalStateException("unknown NAT event " + index);
    }
  }

  /**
   * A member node starts: it classifies its NAT through the pair's rendezvous and that one's ring
   * successor (or, with {@code nat.classify = false}, is told its type); a target then registers.
   */
  private void begin(int slot, long now) {
    int node = nodeOfSlot(slot);
    if (!online[node]) {
      scheduler.at(now + START_WINDOW_MS, START << SUB_SHIFT | slot); // once it is back
      return;
    }
    if (!classify) {
      classified(slot, new NatHint(type(node).mapping, type(node).filtering), config.registerIntervalMs(), now);
      return;
    }
    // R1: the pair's rendezvous, or the next public node in the ring if the node itself would be R1 or
    // R1's helper R2 (a node cannot be its own reflector: no hairpinning).
    int at = (int) publicIndex.get(connects.rendezvous[slot >> 1]);
    for (int k = 0; k < publics.length && (publics[at] == node || publics[(at + 1) % publics.length] == node); k++) {
      at = (at + 1) % publics.length;
    }
    int r1 = publics[at];
    int r2 = publics[(at + 1) % publics.length];
    rendezvousSlot(r1);
    rendezvousSlot(r2);
    int r1Ip = NatAddresses.publicIp(r1);
    Classification c = new Classification(NatAddresses.endpoint(ownIp(node), NatAddresses.NODE_PORT),
        NatAddresses.endpoint(r1Ip, NatAddresses.RENDEZVOUS_PORT), NatAddresses.endpoint(r1Ip, NatAddresses.RENDEZVOUS_PORT + 1),
        NatAddresses.endpoint(NatAddresses.publicIp(r2), NatAddresses.RENDEZVOUS_PORT), random.split(),
        (to, bytes, t) -> send(node, NatAddresses.NODE_PORT, to, bytes, t));
    classifications[slot] = c;
    c.start(now);
    drain(slot, now);
  }

  /** Record the member's hint; a target then registers with its rendezvous. */
  private void classified(int slot, NatHint hint, long keepaliveMs, long now) {
    hints[slot] = hint;
    keepalive[slot] = keepaliveMs;
    if (classifiedListener != null) classifiedListener.classified(nodeOfSlot(slot), hint, now);
    if ((slot & 1) == 0) {
      start(slot, connects.target[slot >> 1], connects.rendezvous[slot >> 1], now);
      drain(slot, now);
    }
  }

  private void afterClassification(int slot, long now) {
    Classification c = classifications[slot];
    if (c == null || !c.done() || hints[slot] != null) return;
    NatReport r = c.report();
    NatType t = type(nodeOfSlot(slot));
    boolean rightMapping = r.mapping() == t.mapping;
    boolean rightFiltering = r.filtering() == expectedFiltering(nodeOfSlot(slot));
    if (!c.answered()) classifiedNoReflector++;
    if (rightMapping && rightFiltering) {
      classifiedRight++;
    } else {
      classifiedWrong++;
      if (!rightMapping) wrongMapping++;
      if (!rightFiltering) wrongFiltering++;
    }
    classified(slot, c.answered() ? NatHint.of(r) : NatHint.UNKNOWN, Math.min(c.keepaliveMs(), config.registerIntervalMs()), now);
  }

  /** A port mapping opens the punch port to anyone: an EIM box with one filters like a full cone there. */
  private NatBehaviour expectedFiltering(int node) {
    NatType t = type(node);
    return mapped(node) && !t.endpointDependent() ? NatBehaviour.ENDPOINT_INDEPENDENT : t.filtering;
  }

  private int ownIp(int node) {
    return type(node) == NatType.PUBLIC ? NatAddresses.publicIp(node) : NatAddresses.lanIp(node);
  }

  private void connect(int p, long now) {
    int slot = 2 * p + 1;
    if (!online[connects.initiator[p]]) {
      offlineConnects++; // an offline node asks for nothing: the pair is not started
      return;
    }
    connects.start[p] = now;
    if (hints[slot] == null) unclassifiedConnects++; // still classifying: it connects knowing nothing
    start(slot, connects.initiator[p], connects.rendezvous[p], now);
    // Registering with the target's rendezvous and connecting go out together: the Accept can only
    // come back after the Register has arrived (same path, one round trip later).
    engines[slot].connect(identities[connects.target[p]].id(), now);
    drain(slot, now);
  }

  private void start(int slot, int node, int rv, long now) {
    rendezvousSlot(rv);
    InetSocketAddress rvAddress = NatAddresses.endpoint(NatAddresses.publicIp(rv), NatAddresses.RENDEZVOUS_PORT);
    HolePunch.Config c = keepalive[slot] > 0 ? config.withRegisterInterval(keepalive[slot]) : config;
    HolePunch h = new HolePunch(c, identities[node], rvAddress, random.split(), wall);
    engines[slot] = h;
    h.setLocal(candidates(node, null), hint(slot));
    h.start(now);
  }

  /** Return the rendezvous engine of public node {@code node}, creating it on first use. */
  private int rendezvousSlot(int node) {
    long s = rendezvousOfNode.get(node);
    if (s != LongLongMap.MISSING) return (int) s;
    int at = (int) publicIndex.get(node);
    int next = publics[(at + 1) % publics.length];
    int prev = publics[(at + publics.length - 1) % publics.length];
    InetSocketAddress helper = next == node ? null : NatAddresses.endpoint(NatAddresses.publicIp(next), NatAddresses.RENDEZVOUS_PORT);
    java.util.Set<InetSocketAddress> trusted = prev == node ? java.util.Set.of()
        : java.util.Set.of(NatAddresses.endpoint(NatAddresses.publicIp(prev), NatAddresses.RENDEZVOUS_PORT));
    rendezvous.add(new Rendezvous(100_000, helper, trusted));
    rendezvousOfNode.put(node, rendezvous.size() - 1);
    return rendezvous.size() - 1;
  }

  private List<Candidate> candidates(int node, InetSocketAddress observed) {
    List<Candidate> out = new ArrayList<>(3);
    int own = type(node) == NatType.PUBLIC ? NatAddresses.publicIp(node) : NatAddresses.lanIp(node);
    out.add(new Candidate(Candidate.Kind.LAN, NatAddresses.endpoint(own, NatAddresses.NODE_PORT)));
    if (observed != null) out.add(new Candidate(Candidate.Kind.OBSERVED, observed));
    if (mapped(node)) {
      out.add(new Candidate(Candidate.Kind.MAPPED,
          NatAddresses.endpoint(NatAddresses.publicIp(node), NatAddresses.NODE_PORT)));
    }
    return out;
  }

  private NatHint hint(int slot) {
    return hints[slot] == null ? NatHint.UNKNOWN : hints[slot];
  }

  private void timer(int slot, long now) {
    if (now != timerAt[slot]) return; // superseded by an earlier one
    timerAt[slot] = Long.MAX_VALUE;
    if (!online[nodeOfSlot(slot)]) {
      timerAt[slot] = now + START_WINDOW_MS; // a suspended node: look again later
      scheduler.at(timerAt[slot], TIMER << SUB_SHIFT | slot);
      return;
    }
    firing = slot;
    Classification c = classifications[slot];
    if (c != null && !c.done()) {
      c.handleTimeout(now);
      afterClassification(slot, now);
    }
    HolePunch h = engines[slot];
    if (h != null) {
      OptionalLong due = h.pollTimeout();
      if (due.isPresent() && due.getAsLong() <= now) h.handleTimeout(now);
    }
    drain(slot, now);
    firing = -1;
  }

  private int nodeOfSlot(int slot) {
    int p = slot >> 1;
    return (slot & 1) == 0 ? connects.target[p] : connects.initiator[p];
  }

  /**
   * Drain every output of slot {@code slot}'s engine (datagrams, events), then arm one timer for
   * the earlier of its engine's and its classification's deadlines.
   */
  private void drain(int slot, long now) {
    HolePunch h = engines[slot];
    int node = nodeOfSlot(slot);
    long due = Long.MAX_VALUE;
    if (h != null) {
      for (Optional<PunchTransmit> t = h.pollTransmit(); t.isPresent(); t = h.pollTransmit()) {
        PunchTransmit x = t.get();
        send(node, NatAddresses.portOf(x.socket()), x.to(), x.payload(), now);
      }
      for (Optional<PunchEvent> e = h.pollEvent(); e.isPresent(); e = h.pollEvent()) {
        event(slot, node, e.get(), now);
      }
      due = h.pollTimeout().orElse(Long.MAX_VALUE);
    }
    Classification c = classifications[slot];
    if (c != null) due = Math.min(due, c.pollTimeout());
    if (due != Long.MAX_VALUE) {
      long at = Math.max(due, now);
      if (due <= now && firing == slot) at = now + 1; // never livelock on a due timer
      if (at < timerAt[slot]) {
        timerAt[slot] = at;
        scheduler.at(at, TIMER << SUB_SHIFT | slot);
      }
    }
  }

  private void event(int slot, int node, PunchEvent e, long now) {
    int p = slot >> 1;
    boolean initiator = (slot & 1) == 1;
    if (e instanceof PunchEvent.Registered r) {
      engines[slot].setLocal(candidates(node, r.observed()), hint(slot));
    } else if (e instanceof PunchEvent.PathEstablished pe) {
      if (initiator && connects.outcome[p] == Connects.Outcome.UNFINISHED) {
        connects.outcome[p] = Connects.Outcome.DIRECT;
        connects.end[p] = now;
        connects.kind[p] = pe.kind();
        connects.probesA[p] = pe.probesSent();
      } else if (!initiator && connects.probesB[p] < 0) {
        connects.probesB[p] = pe.probesSent();
      }
    } else if (e instanceof PunchEvent.PunchFailed f) {
      if (initiator && connects.outcome[p] == Connects.Outcome.UNFINISHED) {
        connects.outcome[p] = Connects.Outcome.FAILED;
        connects.end[p] = now;
        connects.reason[p] = f.reason();
        connects.probesA[p] = f.probesSent();
      } else if (!initiator && connects.probesB[p] < 0) {
        connects.probesB[p] = f.probesSent();
      }
    }
  }

  // ---------------------------------------------------------------- network

  private NatBox box(int i) {
    NatBox b = boxes[i];
    if (b == null) {
      int staticPort = mapped(i) ? NatAddresses.NODE_PORT : -1;
      b = new NatBox(type(i), timeoutMs, maxEntries, staticPort, NatAddresses.NODE_PORT);
      boxes[i] = b;
    }
    return b;
  }

  // ---------------------------------------------------------------- DHT through the boxes (nat.dht)

  /** Return node {@code i}'s nominal DHT address with nat.dht: its public IP at the shared port. */
  static InetSocketAddress dhtAddress(int i) {
    return NatAddresses.endpoint(NatAddresses.publicIp(i), NatAddresses.NODE_PORT);
  }

  /** Return node {@code i}'s public IP at {@code port}. */
  static InetSocketAddress endpoint(int i, int port) {
    return NatAddresses.endpoint(NatAddresses.publicIp(i), port);
  }

  /** Return the node whose public IP {@code a} has (any port), or -1. */
  static int nodeOf(InetSocketAddress a, int n) {
    return NatAddresses.nodeOfPublic(NatAddresses.ipv4(a), n);
  }

  /**
   * Translate a DHT datagram node {@code i} sends from its socket (the punch engine's socket 0:
   * one socket per node) to node {@code j}'s public port {@code toPort}; return the public source
   * port, or -1 if {@code i}'s NAT table is full.
   */
  int outbound(int i, int j, int toPort, long now) {
    if (type(i) == NatType.PUBLIC) return NatAddresses.NODE_PORT;
    NatBox b = box(i);
    int port = b.outbound(NatAddresses.NODE_PORT, NatAddresses.publicIp(j), toPort, now, random);
    peakBoxEntries = Math.max(peakBoxEntries, b.size());
    if (port == NatBox.DROP) tableFull++;
    return port;
  }

  /**
   * Filter a DHT datagram from node {@code i}'s public port {@code fromPort} to node {@code j}'s
   * public port {@code toPort}; return the local port it reaches (the node socket), or -1.
   */
  int inbound(int j, int i, int fromPort, int toPort, long now) {
    int port = type(j) == NatType.PUBLIC ? toPort : box(j).inbound(NatAddresses.publicIp(i), fromPort, toPort, now);
    return port == NatAddresses.NODE_PORT ? port : -1;
  }

  /** Send from node {@code i}'s local port through its NAT box and the network. */
  private void send(int i, int localPort, InetSocketAddress to, byte[] bytes, long now) {
    sent++;
    int toIp = NatAddresses.ipv4(to);
    int j = NatAddresses.nodeOfPublic(toIp, n);
    if (j < 0 || j == i) {
      unroutable++; // another site's LAN address, or our own public address (no hairpinning)
      return;
    }
    int fromPort = localPort;
    if (type(i) != NatType.PUBLIC) {
      NatBox b = box(i);
      fromPort = b.outbound(localPort, toIp, to.getPort(), now, random);
      peakBoxEntries = Math.max(peakBoxEntries, b.size());
      if (fromPort == NatBox.DROP) {
        tableFull++;
        return;
      }
    }
    long at = net.arrival(i, j, bytes.length, now, netRandom);
    if (at < 0) {
      lost++;
      return;
    }
    int slot = pool.add(NatAddresses.publicIp(i), toIp, fromPort, to.getPort(), bytes);
    if (slot > VALUE_MASK) throw new IllegalStateException("too many NAT datagrams in flight");
    scheduler.at(at, DELIVER << SUB_SHIFT | slot);
  }

  private void deliver(int slot, long now) {
    int fromIp = pool.from(slot);
    int fromPort = pool.fromPort(slot);
    int j = NatAddresses.nodeOfPublic(pool.to(slot), n);
    int port = pool.toPort(slot);
    byte[] bytes = pool.take(slot);
    if (!online[j]) {
      toOffline++;
      return;
    }
    if (type(j) != NatType.PUBLIC) {
      port = box(j).inbound(fromIp, fromPort, port, now);
      if (port == NatBox.DROP) {
        filtered++;
        return;
      }
    }
    InetSocketAddress from = NatAddresses.endpoint(fromIp, fromPort);
    if (port == NatAddresses.RENDEZVOUS_PORT || port == NatAddresses.RENDEZVOUS_PORT + 1) {
      long rv = rendezvousOfNode.get(j);
      if (rv == LongLongMap.MISSING) {
        noSocket++;
        return;
      }
      delivered++;
      Rendezvous r = rendezvous.get((int) rv);
      r.handleDatagram(port - NatAddresses.RENDEZVOUS_PORT, from, bytes, now);
      for (Optional<PunchTransmit> t = r.pollTransmit(); t.isPresent(); t = r.pollTransmit()) {
        send(j, NatAddresses.RENDEZVOUS_PORT + t.get().socket(), t.get().to(), t.get().payload(), now);
      }
      return;
    }
    long es = slotOfNode.get(j);
    int socket = NatAddresses.socketOf(port);
    if (es == LongLongMap.MISSING || socket < 0) {
      noSocket++;
      return;
    }
    int target = (int) es;
    Classification c = classifications[target];
    if (socket == 0 && c != null && c.handle(from, bytes, now)) {
      delivered++;
      afterClassification(target, now);
      drain(target, now);
      return;
    }
    if (engines[target] == null) {
      noSocket++;
      return;
    }
    delivered++;
    engines[target].handleDatagram(socket, from, bytes, now);
    drain(target, now);
  }

  // ---------------------------------------------------------------- results

  /** Return the connects measured. */
  Connects connects() {
    return connects;
  }

  /** Return the type shares as configured. */
  NatMix mix() {
    return mix;
  }

  /** Add this layer's deterministic counters to {@code c}. */
  void count(Simulation.Counters c) {
    c.put("nat.sent", sent);
    c.put("nat.delivered", delivered);
    c.put("nat.lost", lost);
    c.put("nat.filtered", filtered);
    c.put("nat.table_full", tableFull);
    c.put("nat.unroutable", unroutable);
    c.put("nat.no_socket", noSocket);
    c.put("nat.to_offline", toOffline);
    c.put("nat.peak_box_entries", peakBoxEntries);
    c.put("nat.connects_from_offline", offlineConnects);
    c.put("nat.connects_unclassified", unclassifiedConnects);
    if (classify) {
      c.put("nat.classified.right", classifiedRight);
      c.put("nat.classified.wrong", classifiedWrong);
      c.put("nat.classified.wrong_mapping", wrongMapping);
      c.put("nat.classified.wrong_filtering", wrongFiltering);
      c.put("nat.classified.no_reflector", classifiedNoReflector);
    }
    long boxCount = 0;
    long created = 0;
    long expired = 0;
    for (NatBox b : boxes) {
      if (b == null) continue;
      boxCount++;
      created += b.created();
      expired += b.expired();
    }
    c.put("nat.boxes", boxCount);
    c.put("nat.mappings_created", created);
    c.put("nat.mappings_expired", expired);
    for (NatType t : NatType.values()) {
      long k = 0;
      long m = 0;
      for (int i = 0; i < n; i++) {
        if (type(i) == t) k++;
        if (type(i) == t && mapped(i)) m++;
      }
      c.put("nat.nodes." + t.label, k);
      if (m > 0) c.put("nat.nodes." + t.label + "+mapped", m);
    }
    for (HolePunch h : engines) {
      if (h == null) continue;
      HolePunch.Counters x = h.counters();
      c.add("nat.punch.malformed", x.malformed());
      c.add("nat.punch.bad_signature", x.badSignature());
      c.add("nat.punch.not_from_rendezvous", x.notFromRendezvous());
      c.add("nat.punch.unknown_session", x.unknownSession());
      c.add("nat.punch.refused_connects", x.refusedConnects());
    }
    for (Rendezvous r : rendezvous) {
      Rendezvous.Counters x = r.counters();
      c.add("nat.rendezvous.forwarded", x.forwarded());
      c.add("nat.rendezvous.unknown_target", x.unknownTarget());
      c.add("nat.rendezvous.bad_signature", x.badSignature());
      c.add("nat.rendezvous.replayed_register", x.replayedRegister());
    }
    c.put("nat.rendezvous.peers", rendezvous.size());
  }
}
