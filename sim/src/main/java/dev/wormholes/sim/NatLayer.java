package dev.wormholes.sim;

import dev.wormholes.dht.Contact;
import dev.wormholes.dht.QueryResult;
import dev.wormholes.nat.NatBehaviour;
import dev.wormholes.nat.NatReport;
import dev.wormholes.nat.budget.SourceBudget;
import dev.wormholes.nat.node.NatCore;
import dev.wormholes.nat.node.PathEngine;
import dev.wormholes.nat.node.PresencePolicy;
import dev.wormholes.nat.node.RelayCore;
import dev.wormholes.nat.portmap.PortMapProtocol;
import dev.wormholes.nat.punch.HolePunch;
import dev.wormholes.nat.punch.NatHint;
import dev.wormholes.nat.punch.PunchTransmit;
import dev.wormholes.nat.relay.RelayClient;
import dev.wormholes.nat.relay.RelayCodec;
import dev.wormholes.nat.relay.RelayEvent;
import dev.wormholes.nat.relay.RelayLimits;
import dev.wormholes.nat.relay.SyntheticAddresses;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.Transmit;
import dev.wormholes.proto.engine.WallClock;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.StoredValue;
import dev.wormholes.sim.nat.LongLongMap;
import dev.wormholes.sim.nat.NatAddresses;
import dev.wormholes.sim.nat.NatBox;
import dev.wormholes.sim.nat.NatMix;
import dev.wormholes.sim.nat.NatType;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The NAT population of a run ({@link NatPopulation}: every node's {@link NatType} and box, the
 * {@code nat.connect_pairs} disjoint pairs of honest nodes that connect) driving the daemon's
 * engines. Each pair member, and each public node around the members' contacts, runs a {@link
 * NatCore} (the one {@code wormholed} runs in {@code NatAgent}): it observes its mapping with
 * Observe rounds, classifies filtering through its rendezvous, chooses, registers with and replaces
 * rendezvous peers, serves once it is public, and punches. A target's {@link PresencePolicy} makes
 * its presence record; the initiator's {@link PathEngine} (the one {@code wormholed}'s {@code
 * PathFinder} drives, run by {@link Ladders}) runs the ladder on it: its lookup is a GET of that
 * record through the run's DHT ({@code nat.lookup = dht}) or answered with it at once, its dials
 * are modelled QUIC handshakes (one round trip, retransmitted after 1, 3 and 7 s, failing after 10
 * s; QUIC is not simulated), its punches are {@link NatCore#punch}, and a punched path is dialled
 * through the socket the punch pinned, as {@code NatAgent} routes QUIC.
 *
 * <p>This class and {@link NatPopulation} model the world only: which public nodes a member knows
 * (the pair's public contact and the next two in a ring of public nodes; a public node knows the
 * two either side), the NAT boxes, the network (through the run's {@link NetworkModel}: latency,
 * jitter, loss) and the handshake's round trip. Every datagram goes through the sender's and the
 * receiver's {@link NatBox}, in the simulation's event queue and virtual time. Driving follows the
 * engine contract: after each input every {@code poll*} is drained; one timer event per core
 * re-arms at its {@code pollTimeout}. Each of those nodes also runs a {@link RelayCore} (the one
 * {@code wormholed}'s {@code RelayAgent} drives) over its {@code NatCore}: the ladder's relay opens
 * go to the target's introducers, which relay while they serve as rendezvous and forward to the
 * target's registered binding; a relayed dial is the same modelled handshake wrapped in relay Data
 * datagrams, and a connect that ends on it is {@link Connects.Outcome#RELAYED} (its upgrade rounds
 * are not run). With {@code nat.relays = false} every relay open fails at once instead. With {@code
 * nat.source_budget} every core sits behind the daemon's per-source budget ({@link SourceBudget},
 * as {@code UdpRuntime} applies it before the NatCore); with {@code nat.sybils}, {@link
 * RendezvousSybils} attack the targets' rendezvous peers from spare public nodes.
 *
 * <p>Memory: {@link NatPopulation}'s per node; engines exist only for pair members and their
 * publics.
 */
final class NatLayer {
  /** Schedules an event of the NAT layer: {@link #dispatch} gets {@code index} back at {@code time}. */
  interface Scheduler {
    void at(long time, int index);
  }

  /**
   * The run's DHT as the NAT layer uses it (with {@code nat.lookup = dht}): a member PUTs its
   * presence record with its own {@code DhtEngine} and the initiator GETs the target's, as {@code
   * UdpRuntime} and {@code PathFinder} do. A call starts the query; {@link #drain} sends it.
   */
  interface Dht {
    long get(int node, NodeId key, long now);

    long publish(int node, StoredValue record, long now);

    int contacts(int node);

    void drain(int node);
  }

  /**
   * Hosts beside the honest nodes that no engine of this layer drives ({@link RendezvousSybils}):
   * they hear of every datagram an honest node sends them, take the ones that reach them, run their
   * own events and add their counters.
   */
  interface Intruders {
    /** Schedule the first events; {@link #tick} gets each {@code value} back at its time. */
    void start(Scheduler at);

    /** Event {@code value} at {@code now}; return when to call again with it, or -1. */
    long tick(int value, long now);

    /** An honest node sent {@code length} bytes to node {@code to} (counted before the network). */
    void sent(int to, int length);

    /** A datagram reached node {@code to}: return whether it is theirs (then it is taken). */
    boolean deliver(int to, InetSocketAddress from, byte[] bytes, long now);

    /** Add their counters to {@code c}; {@code cores} are the honest engines. */
    void count(Simulation.Counters c, List<NatCore> cores);
  }

  /** Hears each member's NAT hint whenever its engine's verdict changes. */
  interface ClassifiedListener {
    void classified(int node, NatHint hint, long now);
  }

  private static final int SUB_SHIFT = 28;
  private static final int VALUE_MASK = (1 << SUB_SHIFT) - 1;
  private static final int DELIVER = 0;
  private static final int TIMER = 1;
  private static final int CONNECT = 2;
  private static final int START = 3;
  private static final int SERVE = 4;
  private static final int LADDER = 5;
  private static final int REDIAL = 6;
  private static final int DIAL_TIMEOUT = 7;
  private static final int SYBIL = 15; // the last kind the 4 bits above SUB_SHIFT hold
  private static final int START_WINDOW_MS = 10_000;
  /** The side socket's local port (the engine's socket 1). */
  static final int SIDE_PORT = NatAddresses.NODE_PORT + 1;
  /** Buckets per table of a core's source budget (the daemon has 4,096; fewer keep many cores small). */
  private static final int BUDGET_SLOTS = 256;

  private final int n;
  private final NatPopulation population;
  private final NatCore.Settings settings;
  private final long punchTimeoutMs;
  private final SplittableRandom random;
  private final Connects connects;
  private final long connectStart;
  private final long connectWindow;
  // Engines: one NatCore and one RelayCore per member and per serving public node, by core index.
  private final List<NatCore> cores = new ArrayList<>();
  private final List<RelayCore> relays = new ArrayList<>();
  private final boolean relaysOn;
  // nat.lookup = dht: members PUT their records and the ladders' lookups are GETs through the run's DHT.
  private final boolean lookupDht;
  private Dht dht;
  private int[] coreNode = new int[16];
  private long[] timerAt = new long[16];
  private final LongLongMap coreOfNode = new LongLongMap(16);
  // Members by slot: pair p's target is slot 2p, its initiator 2p + 1.
  private final PresencePolicy[] policies;
  private final NatHint[] hints;
  // The initiators' ladders, by pair.
  private final Ladders ladders;
  // The ladders' dials: modelled QUIC handshakes (REDIAL and DIAL_TIMEOUT name one).
  private final Handshakes handshakes;
  // Peers whose QUIC goes through a birthday socket, per node (NatAgent's pinned route): peer -> local port.
  private final Map<Integer, Map<InetSocketAddress, Integer>> pins = new HashMap<>();
  private long recordSeq;
  private final DatagramPool pool = new DatagramPool(256);
  // nat.sybils: attacker hosts at the rendezvous (null without); nat.source_budget: per core, by core index.
  private final Intruders intruders;
  private final List<SourceBudget> budgets;
  private long overBudget;
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
  private long unroutable;
  private long noSocket;
  private long toOffline;
  private long recordsPublished;

  /** Assign NAT types to {@code n} nodes and pick the connect pairs among {@code honest}. */
  NatLayer(Scenario sc, int n, int[] honest, SplittableRandom random) {
    this.n = n;
    this.random = random;
    int pairs = sc.integer("nat.connect_pairs");
    if (2L * pairs > honest.length) {
      throw new IllegalArgumentException("nat.connect_pairs needs 2 honest nodes per pair: at most " + honest.length / 2);
    }
    connects = new Connects(pairs);
    population = new NatPopulation(sc, n, honest, random, connects);
    HolePunch.Config punch = config(sc);
    this.punchTimeoutMs = punch.punchTimeoutMs();
    NatCore.Settings d = NatCore.Settings.defaults(true);
    this.settings = new NatCore.Settings(d.serve(), d.registerWhenPublic(), d.maxRendezvous(), d.registerTimeoutMs(),
        d.retryCandidateMs(), d.observeIntervalMs(), d.observeFastMs(), d.observePeers(), punch, d.rendezvousCapacity());
    this.relaysOn = Boolean.parseBoolean(sc.str("nat.relays"));
    this.lookupDht = sc.str("nat.lookup").equals("dht");
    this.connectStart = sc.lng("nat.connect.start_s") * 1000;
    this.connectWindow = Math.max(1, sc.lng("nat.connect.window_s") * 1000);
    policies = new PresencePolicy[2 * pairs];
    hints = new NatHint[2 * pairs];
    ladders = new Ladders(connects, relaysOn, ladderHost());
    budgets = Boolean.parseBoolean(sc.str("nat.source_budget")) ? new ArrayList<>() : null;
    intruders = sc.integer("nat.sybils") > 0
        ? RendezvousSybils.of(sc, population.publics(), population::member, connectStart + connectWindow, random.split(),
            this::transmit, this::sybilTargets)
        : null;
    handshakes = new Handshakes(new Handshakes.Ends() {
      @Override
      public void send(int node, InetSocketAddress to, byte[] bytes, long now) {
        sendQuic(node, to, bytes, now);
      }

      @Override
      public int node(int p, boolean target) {
        return target ? connects.target[p] : connects.initiator[p];
      }

      @Override
      public boolean unfinished(int p) {
        return connects.outcome[p] == Connects.Outcome.UNFINISHED;
      }

      @Override
      public boolean online(int node) {
        return online[node];
      }

      @Override
      public void connected(int p, long action, long now) {
        ladders.connected(p, action, now);
      }

      @Override
      public void timedOut(int p, long action, long now) {
        ladders.timedOut(p, action, now);
      }

      @Override
      public void at(long time, boolean timeout, int dial) {
        scheduler.at(time, (timeout ? DIAL_TIMEOUT : REDIAL) << SUB_SHIFT | dial);
      }
    });
  }

  private Ladders.Host ladderHost() {
    return new Ladders.Host() {
      @Override public void begin(int slot, long now) { NatLayer.this.begin(slot, now); }
      @Override public int coreOf(int node) { return (int) coreOfNode.get(node); }
      @Override public NatCore core(int ci) { return cores.get(ci); }
      @Override public RelayCore relay(int ci) { return relays.get(ci); }
      @Override public void drain(int ci, long now) { NatLayer.this.drain(ci, now); }
      @Override public void drainRelay(int ci, long now) { NatLayer.this.drainRelay(ci, now); }
      @Override public void dial(int p, InetSocketAddress to, long action, long now) { handshakes.dial(p, to, action, now); }
      @Override public void at(long time, int p) { scheduler.at(time, LADDER << SUB_SHIFT | p); }

      @Override
      public Presence record(int p, long now) {
        PresencePolicy target = policies[2 * p];
        return target == null ? Presence.getDefaultInstance()
            : DhtValues.parsePresence(target.next(++recordSeq, wall.millis(), 1, now)).orElseThrow();
      }
    };
  }

  /** The honest targets as the Sybils learn them: ids and the rendezvous each registered with (or its first contact). */
  private RendezvousSybils.Targets sybilTargets() {
    int pairs = connects.pairs();
    NodeId[] targets = new NodeId[pairs];
    InetSocketAddress[] at = new InetSocketAddress[pairs];
    for (int p = 0; p < pairs; p++) {
      int t = connects.target[p];
      targets[p] = identities[t].id();
      long ci = coreOfNode.get(t);
      List<Contact> registered = ci == LongLongMap.MISSING ? List.of() : cores.get((int) ci).rendezvous();
      at[p] = registered.isEmpty() ? ownEndpoint(connects.rendezvous[p]) : registered.get(0).address();
    }
    return new RendezvousSybils.Targets(targets, at);
  }

  private static HolePunch.Config config(Scenario sc) {
    HolePunch.Config d = HolePunch.Config.defaults();
    if (sc.str("nat.punch_timeout_ms").isBlank()) return d;
    return new HolePunch.Config(d.connectRetryMs(), d.probeIntervalMs(), sc.lng("nat.punch_timeout_ms"),
        d.birthdaySockets(), d.birthdayProbes(), d.birthdayBatch(), d.birthdayBatchIntervalMs(), d.hardRefreshMs(),
        d.registerIntervalMs(), d.maxSessions(), d.lingerMs());
  }

  /** Return whether node {@code i} runs a NatCore (a pair member or a public node near one): it needs its identity. */
  boolean member(int i) {
    return population.member(i);
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
    ladders.attach(ids, onlineNodes);
  }

  /** With {@code nat.lookup = dht}: members publish their records and look records up through {@code d}. */
  void useDht(Dht d) {
    this.dht = lookupDht ? d : null;
    ladders.useDht(dht);
  }

  /** Tell {@code l} each member's hint whenever it changes (the DHT's read-only switch listens). */
  void onClassified(ClassifiedListener l) {
    this.classifiedListener = l;
  }

  /**
   * Return whether node {@code i}, with its true NAT type and port mapping, filters strangers
   * ({@link NatReport#filtersStrangers}: the daemon's rule): then it runs the DHT read-only.
   */
  boolean filtersStrangers(int i) {
    return population.filtersStrangers(i);
  }

  /** Return whether node {@code i}, knowing its NAT as {@code hint}, filters strangers (the same rule). */
  boolean filtersStrangers(int i, NatHint hint) {
    return population.filtersStrangers(i, hint);
  }

  /** Schedule the serving publics, the members' starts and the connects (evenly spaced over the window). */
  void schedule() {
    for (int node : population.servers()) scheduler.at(random.nextLong(1_000), SERVE << SUB_SHIFT | node);
    int pairs = connects.pairs();
    long registerWindow = Math.max(1, Math.min(START_WINDOW_MS, connectStart));
    for (int slot = 0; slot < 2 * pairs; slot++) {
      scheduler.at(1_000 + random.nextLong(registerWindow), START << SUB_SHIFT | slot);
    }
    for (int p = 0; p < pairs; p++) {
      scheduler.at(connectStart + connectWindow * p / pairs, CONNECT << SUB_SHIFT | p);
    }
    if (intruders != null) intruders.start((time, value) -> scheduler.at(time, SYBIL << SUB_SHIFT | value));
  }

  /** Return when the last connect must have ended. */
  long endTime() {
    return connects.pairs() == 0 ? 0
        : connectStart + connectWindow + Math.max(punchTimeoutMs, Handshakes.TIMEOUT_MS) + 5_000;
  }

  NatType type(int i) {
    return population.type(i);
  }

  // ---------------------------------------------------------------- events

  /** Handle one of this layer's events at {@code now}. */
  void dispatch(int index, long now) {
    int value = index & VALUE_MASK;
    switch (index >>> SUB_SHIFT) {
      case DELIVER: deliver(value, now); break;
      case TIMER: timer(value, now); break;
      case CONNECT: ladders.connect(value, now); break;
      case START: begin(value, now); break;
      case SERVE: serve(value, now); break;
      case LADDER: ladders.timer(value, now); break;
      case REDIAL: handshakes.resend(value, now); break;
      case DIAL_TIMEOUT: handshakes.timeout(value, now); break;
      case SYBIL: intruderTick(value, now); break;
      default: throw new IllegalStateException("unknown NAT event " + index);
    }
  }

  private void intruderTick(int value, long now) {
    long next = intruders.tick(value, now);
    if (next >= 0) scheduler.at(next, SYBIL << SUB_SHIFT | value);
  }

  /** A public node near the members starts its engine and knows the public nodes either side. */
  private void serve(int node, long now) {
    if (coreOfNode.containsKey(node)) return; // a member too: started as one
    int ci = core(node);
    cores.get(ci).handleContacts(ringContacts(node), now);
    drain(ci, now);
  }

  /** Return the public nodes {@link NatPopulation#RING} places either side of public node {@code node}. */
  private List<Contact> ringContacts(int node) {
    List<Contact> known = new ArrayList<>();
    for (int other : population.ring(node)) if (identities[other] != null) known.add(contact(other));
    return known;
  }

  /** A member starts: its engine learns its public contacts (and its port mapping, if any). */
  private void begin(int slot, long now) {
    int node = nodeOfSlot(slot);
    if (!online[node]) {
      scheduler.at(now + START_WINDOW_MS, START << SUB_SHIFT | slot); // once it is back
      return;
    }
    if (coreOfNode.containsKey(node) && policies[slot] != null) return;
    List<Contact> known = new ArrayList<>();
    for (int other : population.contactsOf(node, connects.rendezvous[slot >> 1])) known.add(contact(other));
    if (type(node) == NatType.PUBLIC && population.serves(node)) {
      known = ringContacts(node); // it serves too: the helpers it picks from its contacts must know it
    }
    int ci = core(node);
    NatCore c = cores.get(ci);
    policies[slot] = new PresencePolicy(identities[node], 0, List.of(ownEndpoint(node)));
    if (population.mapped(node)) {
      c.handleMapping(NatAddresses.endpoint(NatAddresses.publicIp(node), NatAddresses.NODE_PORT),
          PortMapProtocol.PCP, 7_200, now);
    }
    c.handleContacts(known, now);
    drain(ci, now);
  }

  private Contact contact(int node) {
    return new Contact(identities[node].id(), ownEndpoint(node));
  }

  private InetSocketAddress ownEndpoint(int node) {
    return NatAddresses.endpoint(ownIp(node), NatAddresses.NODE_PORT);
  }

  private int ownIp(int node) {
    return type(node) == NatType.PUBLIC ? NatAddresses.publicIp(node) : NatAddresses.lanIp(node);
  }

  /** Return the core index of node {@code node}'s engine, making it on first use. */
  private int core(int node) {
    long c = coreOfNode.get(node);
    if (c != LongLongMap.MISSING) return (int) c;
    InetSocketAddress bound = ownEndpoint(node);
    NatCore core = new NatCore(identities[node], bound, List.of(bound), settings, random.split(), wall);
    cores.add(core);
    relays.add(new RelayCore(identities[node].id(), core, RelayLimits.defaults(), RelayClient.Settings.defaults(),
        random.split()));
    int ci = cores.size() - 1;
    if (ci >= coreNode.length) {
      coreNode = Arrays.copyOf(coreNode, 2 * coreNode.length);
      timerAt = Arrays.copyOf(timerAt, 2 * timerAt.length);
    }
    coreNode[ci] = node;
    timerAt[ci] = Long.MAX_VALUE;
    coreOfNode.put(node, ci);
    return ci;
  }

  /**
   * A DHT query of node {@code node} finished: if it is a ladder's lookup, the ladder takes the
   * record it found ({@link Ladders#queryFinished}). Return whether the query was the NAT layer's.
   */
  boolean queryFinished(int node, long query, QueryResult result, long now) {
    return ladders.queryFinished(node, query, result, now);
  }

  /** Publish node {@code node}'s presence record through the DHT when its policy says one is due (UdpRuntime's rule). */
  private void publishIfDue(int node, PresencePolicy policy, long now) {
    int contacts = dht.contacts(node);
    long wallMs = wall.millis();
    if (!policy.due(contacts, wallMs, now)) return;
    dht.publish(node, policy.next(++recordSeq, wallMs, contacts, now), now);
    recordsPublished++;
    dht.drain(node);
  }

  /**
   * Send a modelled QUIC datagram from node {@code i} to {@code to}: through the relay circuit a
   * synthetic address stands for (as {@code RelayAgent}'s route does), else from the socket
   * {@code to} is pinned to, or the main one.
   */
  private void sendQuic(int i, InetSocketAddress to, byte[] bytes, long now) {
    if (SyntheticAddresses.isSynthetic(to)) {
      int ci = (int) coreOfNode.get(i);
      relays.get(ci).wrap(to, bytes, 0, bytes.length, now).ifPresent(t -> send(i, NatAddresses.NODE_PORT, t.to(), t.payload(), now));
      drainRelay(ci, now);
    } else {
      send(i, pinnedPort(i, to), to, bytes, now);
    }
  }

  /** Send core {@code ci}'s relay datagrams (from the main socket) and take its relay events. */
  private void drainRelay(int ci, long now) {
    RelayCore r = relays.get(ci);
    int node = coreNode[ci];
    for (Optional<Transmit> t = r.pollTransmit(); t.isPresent(); t = r.pollTransmit()) {
      send(node, NatAddresses.NODE_PORT, t.get().to(), t.get().payload(), now);
    }
    for (Optional<RelayEvent> e = r.pollEvent(); e.isPresent(); e = r.pollEvent()) {
      if (e.get() instanceof RelayEvent.Packet x) {
        byte[] b = Arrays.copyOfRange(x.datagram(), x.offset(), x.offset() + x.length());
        if (b.length > 0 && b[0] == Handshakes.FIRST_BYTE) handshakes.receive(node, x.synthetic(), b, now);
      } else if (e.get() instanceof RelayEvent.Opened o) {
        ladders.relayOpened(o.request(), o.synthetic(), null, now);
      } else if (e.get() instanceof RelayEvent.OpenFailed f) {
        ladders.relayOpened(f.request(), null, "relay open via " + f.relay() + ": " + f.reason(), now);
      }
    }
    arm(ci, now);
  }

  private int pinnedPort(int node, InetSocketAddress peer) {
    Map<InetSocketAddress, Integer> m = pins.get(node);
    Integer port = m == null ? null : m.get(peer);
    return port == null ? NatAddresses.NODE_PORT : port;
  }

  private void timer(int ci, long now) {
    if (now != timerAt[ci]) return; // superseded by an earlier one
    timerAt[ci] = Long.MAX_VALUE;
    if (!online[coreNode[ci]]) {
      timerAt[ci] = now + START_WINDOW_MS; // a suspended node: look again later
      scheduler.at(timerAt[ci], TIMER << SUB_SHIFT | ci);
      return;
    }
    firing = ci;
    NatCore c = cores.get(ci);
    if (c.pollTimeout().orElse(Long.MAX_VALUE) <= now) c.handleTimeout(now);
    RelayCore r = relays.get(ci);
    if (r.pollTimeout().orElse(Long.MAX_VALUE) <= now) r.handleTimeout(now);
    drain(ci, now);
    drainRelay(ci, now);
    firing = -1;
  }

  private int nodeOfSlot(int slot) {
    int p = slot >> 1;
    return (slot & 1) == 0 ? connects.target[p] : connects.initiator[p];
  }

  /**
   * Drain every output of core {@code ci} (datagrams, observations, side paths, outcomes), hand
   * a member's NAT facts to its presence policy, then arm one timer for the core's deadline.
   */
  private void drain(int ci, long now) {
    NatCore c = cores.get(ci);
    int node = coreNode[ci];
    for (Optional<PunchTransmit> t = c.pollTransmit(); t.isPresent(); t = c.pollTransmit()) {
      PunchTransmit x = t.get();
      int port = x.socket() == 0 ? NatAddresses.NODE_PORT : x.socket() == 1 ? SIDE_PORT
          : NatAddresses.portOf(x.socket() - NatCore.BIRTHDAY_BASE);
      send(node, port, x.to(), x.payload(), now);
    }
    long slot = population.slotOf(node);
    PresencePolicy policy = slot == LongLongMap.MISSING ? null : policies[(int) slot];
    for (var o = c.pollObservation(); o.isPresent(); o = c.pollObservation()) {
      if (policy != null) policy.handleObservation(o.get().by().id(), o.get().by().address(), o.get().observed(), now);
    }
    for (var x = c.pollSidePath(); x.isPresent(); x = c.pollSidePath()) {
      pins.computeIfAbsent(node, k -> new HashMap<>())
          .put(x.get().peer(), NatAddresses.portOf(x.get().socket() - NatCore.BIRTHDAY_BASE));
    }
    for (var o = c.pollOutcome(); o.isPresent(); o = c.pollOutcome()) {
      int p = (int) (slot >> 1);
      if (slot != LongLongMap.MISSING && (slot & 1) == 1 && ladders.punchOf(p, o.get().request())) {
        ladders.punched(p, o.get(), now);
      }
    }
    if (policy != null) {
      policy.setNat(c.presenceFacts());
      if (dht != null) publishIfDue(node, policy, now);
      NatHint h = NatHint.of(c.report());
      if (!h.equals(hints[(int) slot])) {
        hints[(int) slot] = h;
        if (classifiedListener != null && c.report().observations() > 0) classifiedListener.classified(node, h, now);
      }
    }
    arm(ci, now);
  }

  /** Arm one timer for core {@code ci}'s earliest deadline, its NatCore's or its RelayCore's. */
  private void arm(int ci, long now) {
    long due = Math.min(cores.get(ci).pollTimeout().orElse(Long.MAX_VALUE), relays.get(ci).pollTimeout().orElse(Long.MAX_VALUE));
    if (due != Long.MAX_VALUE) {
      long at = Math.max(due, now);
      if (due <= now && firing == ci) at = now + 1; // never livelock on a due timer
      if (at < timerAt[ci]) {
        timerAt[ci] = at;
        scheduler.at(at, TIMER << SUB_SHIFT | ci);
      }
    }
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
    return population.outbound(i, NatAddresses.NODE_PORT, NatAddresses.publicIp(j), toPort, now);
  }

  /**
   * Filter a DHT datagram from node {@code i}'s public port {@code fromPort} to node {@code j}'s
   * public port {@code toPort}; return the local port it reaches (the node socket), or -1.
   */
  int inbound(int j, int i, int fromPort, int toPort, long now) {
    int port = population.inbound(j, NatAddresses.publicIp(i), fromPort, toPort, now);
    return port == NatAddresses.NODE_PORT ? port : -1;
  }

  // ---------------------------------------------------------------- network

  /** Send from node {@code i}'s local port through its NAT box and the network. */
  private void send(int i, int localPort, InetSocketAddress to, byte[] bytes, long now) {
    sent++;
    int toIp = NatAddresses.ipv4(to);
    int j = NatAddresses.nodeOfPublic(toIp, n);
    if (j < 0 || j == i) {
      unroutable++; // another site's LAN address, or our own public address (no hairpinning)
      return;
    }
    if (intruders != null) intruders.sent(j, bytes.length);
    int fromPort = population.outbound(i, localPort, toIp, to.getPort(), now);
    if (fromPort == NatBox.DROP) return;
    transmit(i, NatAddresses.publicIp(i), fromPort, to, bytes, now);
  }

  /**
   * Put a datagram from public source {@code fromIp:fromPort} on the network, physically from node
   * {@code i} (an attacker's source may be spoofed).
   */
  private void transmit(int i, int fromIp, int fromPort, InetSocketAddress to, byte[] bytes, long now) {
    int toIp = NatAddresses.ipv4(to);
    int j = NatAddresses.nodeOfPublic(toIp, n);
    if (j < 0) {
      unroutable++;
      return;
    }
    long at = net.arrival(i, j, bytes.length, now, netRandom);
    if (at < 0) {
      lost++;
      return;
    }
    int slot = pool.add(fromIp, toIp, fromPort, to.getPort(), bytes);
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
    port = population.inbound(j, fromIp, fromPort, port, now);
    if (port == NatBox.DROP) {
      filtered++;
      return;
    }
    InetSocketAddress from = NatAddresses.endpoint(fromIp, fromPort);
    if (bytes.length > 0 && bytes[0] == Handshakes.FIRST_BYTE) {
      if (port == NatAddresses.NODE_PORT || NatAddresses.socketOf(port) > 0) { // main or birthday socket
        delivered++;
        handshakes.receive(j, from, bytes, now);
      } else {
        noSocket++;
      }
      return;
    }
    if (intruders != null && intruders.deliver(j, from, bytes, now)) {
      delivered++;
      return;
    }
    long ci = coreOfNode.get(j);
    if (bytes.length > 0 && bytes[0] == RelayCodec.FIRST_BYTE) {
      if (ci == LongLongMap.MISSING || port != NatAddresses.NODE_PORT) {
        noSocket++;
        return;
      }
      delivered++;
      relays.get((int) ci).handleDatagram(from, bytes, now);
      drainRelay((int) ci, now);
      return;
    }
    int socket = port == NatAddresses.NODE_PORT ? 0 : port == SIDE_PORT ? 1
        : NatAddresses.socketOf(port) > 0 ? NatCore.BIRTHDAY_BASE + NatAddresses.socketOf(port) : -1;
    if (ci == LongLongMap.MISSING || socket < 0) {
      noSocket++;
      return;
    }
    if (budgets != null && !budget((int) ci).allow(from.getAddress(), now)) {
      overBudget++; // the daemon's UdpRuntime drops it before the NatCore sees it
      return;
    }
    delivered++;
    cores.get((int) ci).handleDatagram(socket, from, bytes, now);
    drain((int) ci, now);
  }

  /** Return core {@code ci}'s per-source budget: the daemon's defaults (500/s, burst 1,000 per IP; 4x per /24). */
  private SourceBudget budget(int ci) {
    while (budgets.size() <= ci) {
      budgets.add(new SourceBudget(SourceBudget.Config.perSource(500, 1000, BUDGET_SLOTS), random.nextLong(),
          random.nextLong()));
    }
    return budgets.get(ci);
  }

  // ---------------------------------------------------------------- results

  /** Return the connects measured. */
  Connects connects() {
    return connects;
  }

  /** Return the type shares as configured. */
  NatMix mix() {
    return population.mix();
  }

  /** Add this layer's deterministic counters to {@code c}. */
  void count(Simulation.Counters c) {
    c.put("nat.sent", sent);
    c.put("nat.delivered", delivered);
    c.put("nat.lost", lost);
    c.put("nat.filtered", filtered);
    c.put("nat.unroutable", unroutable);
    c.put("nat.no_socket", noSocket);
    c.put("nat.to_offline", toOffline);
    ladders.count(c);
    if (dht != null) c.put("nat.records_published", recordsPublished);
    long right = 0;
    long wrongMapping = 0;
    long wrongFiltering = 0;
    long unknown = 0;
    for (int slot = 0; slot < policies.length; slot++) {
      int node = nodeOfSlot(slot);
      long ci = coreOfNode.get(node);
      if (ci == LongLongMap.MISSING) continue;
      NatReport r = cores.get((int) ci).report();
      NatType t = type(node);
      NatBehaviour wantFiltering = t == NatType.PUBLIC ? NatBehaviour.NONE : t.filtering;
      if (r.observations() == 0) unknown++;
      boolean m = r.mapping() == t.mapping;
      boolean f = r.filtering() == wantFiltering;
      if (m && f) right++;
      if (!m) wrongMapping++;
      if (!f) wrongFiltering++;
    }
    c.put("nat.classified.right", right);
    c.put("nat.classified.wrong", policies.length - right);
    c.put("nat.classified.wrong_mapping", wrongMapping);
    c.put("nat.classified.wrong_filtering", wrongFiltering);
    c.put("nat.classified.no_reflector", unknown);
    population.count(c);
    long serving = 0;
    for (NatCore x : cores) {
      if (x.serving()) serving++;
      x.counters().refused().forEach((reason, v) -> c.add("nat.refused." + reason, v));
      c.add("nat.rendezvous.forwarded", x.counters().forwarded());
      c.add("nat.paths_established", x.counters().pathsEstablished());
    }
    for (RelayCore x : relays) {
      x.refusals().forEach((reason, v) -> c.add("nat.refused." + reason, v));
      c.add("nat.relay.circuits_opened", x.serverCounters().opened());
    }
    c.put("nat.cores", cores.size());
    if (budgets != null) c.put("nat.over_budget", overBudget);
    long registered = 0;
    for (int p = 0; p < connects.pairs(); p++) {
      long ci = coreOfNode.get(connects.target[p]);
      if (ci != LongLongMap.MISSING && !cores.get((int) ci).rendezvous().isEmpty()) registered++;
    }
    c.put("nat.targets_registered", registered);
    if (intruders != null) intruders.count(c, cores);
    c.put("nat.rendezvous.peers", serving);
  }
}
