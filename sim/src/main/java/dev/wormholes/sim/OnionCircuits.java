package dev.wormholes.sim;

import dev.wormholes.onion.cell.CellCommand;
import dev.wormholes.onion.circuit.Hop;
import dev.wormholes.onion.circuit.OnionConfig;
import dev.wormholes.onion.circuit.OnionEngine;
import dev.wormholes.onion.circuit.OnionEvent;
import dev.wormholes.onion.circuit.OnionTransmit;
import dev.wormholes.onion.handshake.NtorV3;
import dev.wormholes.onion.path.CircuitPlanner;
import dev.wormholes.onion.path.Neighbourhood;
import dev.wormholes.onion.path.PathSelection;
import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Onion circuits in virtual time, one run of one friend-graph density: every node runs the real
 * {@link OnionEngine} (ntor-v3 handshakes, CGO, the engine's handshake tick and build timeout),
 * its cells cross the {@link NetworkModel} as 514-byte datagrams, in order per link ({@link
 * OrderedLinks}, as the daemon's QUIC links deliver them), and every client's paths are
 * decided by the real {@link CircuitPlanner} (guard, rebuild, rebuild cap) over {@link
 * PathSelection}. Clients (honest nodes, never churned) ask for circuits evenly over a window; a
 * built circuit is measured and closed.
 *
 * <p>The world: a random friend graph (each node befriends {@code friends / 2} others drawn
 * uniformly, so the mean degree is about {@code friends}); each node's signed neighbour list names
 * its friends; every node has its own /16. With churn (the scenario's {@code churn} and {@code
 * churn.downtime}) relays leave and come back; a cell to an absent node is lost, so a build
 * through it fails at the engine's build timeout. A client reads the records {@link Neighbourhood}
 * chooses, as the daemon does (a record is readable whether its node is present or not).
 *
 * <p>Adversaries ({@code adversaries}, a fraction of all nodes) collude. Under the {@code hostile}
 * model their signed lists name every other colluder as well as their friends (colluders name each
 * other, so those steps are reciprocal) and, as relays, they extend circuits only to colluders:
 * a CREATE2 they would send to an honest node is dropped (selective denial of service). Under the
 * {@code uniform} model the same nodes behave honestly: the baseline.
 */
final class OnionCircuits {
  private static final int CELL = 0;
  private static final int TIMER = 1;
  private static final int REQUEST = 2;
  private static final int CHURN = 3;
  private static final int CELL_BYTES = 514;

  /**
   * What one run measured.
   *
   * @param friends the density: mean friends per node asked for
   * @param meanDegree the friend graph's real mean degree
   * @param hostile the adversaries' model (false: the uniform baseline)
   * @param circuits circuits asked for
   * @param built circuits built
   * @param noPath attempts that ended with no path through any friend
   * @param builds builds started (the engine's {@code buildCircuit} calls)
   * @param buildMs time from the request to {@code CircuitBuilt}, per built circuit, sorted
   * @param colluderAtHop built circuits with a colluder at hop 1, 2, ...
   * @param bothEnds built circuits with colluders at hop 1 and the last hop
   * @param drawnHops hops 2.. of built circuits (the hops drawn from neighbour lists)
   * @param drawnColluders of those, colluders
   * @param afterHonest drawn hops whose previous hop was honest (drawn from an honest list)
   * @param afterHonestColluders of those, colluders
   * @param rebuildsRefused rebuilds the planners' cap refused
   * @param guardsChosen guards the planners drew
   * @param dosDrops CREATE2 cells colluders dropped (selective denial of service)
   * @param lostToAbsent cells sent to absent (churned) nodes
   * @param handshakes server handshakes the engines ran
   */
  record Row(int friends, double meanDegree, boolean hostile, int circuits, int built, int noPath, long builds,
      long[] buildMs, long[] colluderAtHop, long bothEnds, long drawnHops, long drawnColluders,
      long afterHonest, long afterHonestColluders, long rebuildsRefused, long guardsChosen, long dosDrops, long lostToAbsent, long handshakes) {
    double success() {
      return circuits == 0 ? 0 : built / (double) circuits;
    }

    double drawnRate() {
      return drawnHops == 0 ? 0 : drawnColluders / (double) drawnHops;
    }

    double afterHonestRate() {
      return afterHonest == 0 ? 0 : afterHonestColluders / (double) afterHonest;
    }

    long buildPercentile(double p) {
      return buildMs.length == 0 ? -1 : buildMs[(int) Math.min(buildMs.length - 1, Math.ceil(p * buildMs.length) - 1)];
    }
  }

  /** A circuit asked for: its client, when, its planner attempt and the build in flight. */
  private static final class Request {
    int client;
    long askedAt;
    CircuitPlanner.Attempt attempt;
    List<Hop> path;
    long handle;
  }

  private final int n;
  private final int hops;
  private final boolean hostile;
  private final int friendsAsked;
  private final int circuits;
  private final long startMs;
  private final long windowMs;
  private final boolean[] colluder;
  private final boolean[] online;
  private final int[][] friends;
  private final Hop[] hopOf;
  private final PathSelection.Peer[] peers;
  private final Map<NodeId, PathSelection.Peer> records = new HashMap<>();
  private final Map<NodeId, Integer> index = new HashMap<>();
  private final OnionEngine[] engines;
  private final long[] timerAt;
  private final OrderedLinks net;
  private final SplittableRandom netRandom;
  private final SplittableRandom planRandom;
  private final SplittableRandom churnRandom;
  private final Distribution session;
  private final Distribution downtime;
  private final int[] clients;
  private final CircuitPlanner[] planners;
  private final EventQueue queue = new EventQueue(1 << 12);
  private final List<Object> slots = new ArrayList<>();
  private final List<Integer> freeSlots = new ArrayList<>();
  private final Map<Long, Request>[] building;
  private long now;
  private int built;
  private int noPath;
  private long builds;
  private final List<Long> buildMs = new ArrayList<>();
  private final long[] colluderAtHop;
  private long bothEnds;
  private long drawnHops;
  private long drawnColluders;
  private long afterHonest;
  private long afterHonestColluders;
  private long dosDrops;
  private long lostToAbsent;

  /** A cell in flight. */
  private record Cell(int from, int to, byte[] bytes) {}

  @SuppressWarnings("unchecked")
  private OnionCircuits(Scenario s, int friendsAsked, boolean hostile) {
    this.n = s.integer("nodes");
    this.hops = s.integer("onion.hops");
    this.hostile = hostile;
    this.friendsAsked = friendsAsked;
    this.circuits = s.integer("onion.circuits");
    this.startMs = s.lng("onion.start_s") * 1000;
    this.windowMs = s.lng("onion.window_s") * 1000;
    long seed = s.lng("seed");
    SplittableRandom world = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 0x4F4E494FL);
    net = new OrderedLinks(new NetworkModel(n, world.split(), s.dbl("latency.base_ms"),
        s.dbl("latency.span_ms"), s.integer("jitter_ms"), s.dbl("loss"), 0), n);
    netRandom = world.split();
    planRandom = world.split();
    churnRandom = world.split();
    SplittableRandom keys = world.split();
    colluder = new boolean[n];
    int adversaries = (int) Math.round(s.dbl("adversaries") * n);
    int[] order = shuffled(n, world.split());
    for (int i = 0; i < adversaries; i++) {
      colluder[order[i]] = true;
    }
    friends = friendGraph(n, friendsAsked, world.split());
    hopOf = new Hop[n];
    NtorV3.OnionKeyPair[] onionKeys = new NtorV3.OnionKeyPair[n];
    for (int i = 0; i < n; i++) {
      byte[] identityKey = new byte[32];
      byte[] secret = new byte[NtorV3.KEY_BYTES];
      keys.nextBytes(identityKey);
      keys.nextBytes(secret);
      onionKeys[i] = NtorV3.OnionKeyPair.of(secret);
      hopOf[i] = new Hop(identityKey, onionKeys[i].publicKey());
      index.put(hopOf[i].node(), i);
    }
    List<NodeId> colluderIds = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (colluder[i]) colluderIds.add(hopOf[i].node());
    }
    peers = new PathSelection.Peer[n];
    for (int i = 0; i < n; i++) {
      Set<NodeId> list = new HashSet<>();
      for (int f : friends[i]) list.add(hopOf[f].node());
      if (hostile && colluder[i]) {
        list.addAll(colluderIds);
        list.remove(hopOf[i].node());
      }
      // every node its own /16
      peers[i] = new PathSelection.Peer(hopOf[i], new byte[] {(byte) (20 + i / 250), (byte) (i % 250), 0, 1}, list);
      records.put(hopOf[i].node(), peers[i]);
    }
    engines = new OnionEngine[n];
    for (int i = 0; i < n; i++) {
      engines[i] = new OnionEngine(hopOf[i].identityKey(), List.of(onionKeys[i]), OnionConfig.defaults(),
          new SplittableRandom(keys.nextLong()));
    }
    timerAt = new long[n];
    Arrays.fill(timerAt, Long.MAX_VALUE);
    online = new boolean[n];
    Arrays.fill(online, true);
    session = s.churn();
    downtime = Distribution.parse(s.str("churn.downtime"));
    int clientCount = Math.min(s.integer("onion.clients"), n - adversaries);
    clients = new int[clientCount];
    int c = 0;
    for (int i = order.length - 1; i >= 0 && c < clientCount; i--) {
      if (!colluder[order[i]]) clients[c++] = order[i];
    }
    planners = new CircuitPlanner[n];
    building = new Map[n];
    colluderAtHop = new long[hops];
  }

  private static int[] shuffled(int n, SplittableRandom r) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) a[i] = i;
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** Each node befriends {@code degree / 2} others drawn uniformly; friendship is mutual. */
  private static int[][] friendGraph(int n, int degree, SplittableRandom r) {
    List<Set<Integer>> adj = new ArrayList<>();
    for (int i = 0; i < n; i++) adj.add(new java.util.TreeSet<>());
    int each = Math.max(1, degree / 2);
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < each; k++) {
        int j = r.nextInt(n - 1);
        if (j >= i) j++;
        adj.get(i).add(j);
        adj.get(j).add(i);
      }
    }
    int[][] out = new int[n][];
    for (int i = 0; i < n; i++) out[i] = adj.get(i).stream().mapToInt(Integer::intValue).toArray();
    return out;
  }

  /** Run one density under one model. */
  static Row run(Scenario s, int friendsAsked, boolean hostile) {
    return new OnionCircuits(s, friendsAsked, hostile).go();
  }

  private Row go() {
    for (int k = 0; k < circuits; k++) {
      Request r = new Request();
      r.client = clients[k % clients.length];
      r.askedAt = startMs + (circuits <= 1 ? 0 : windowMs * k / (circuits - 1));
      push(r.askedAt, REQUEST, slot(r));
    }
    if (session != null) {
      Set<Integer> clientSet = new HashSet<>();
      for (int c : clients) clientSet.add(c);
      for (int i = 0; i < n; i++) {
        if (!clientSet.contains(i)) push(session.sample(churnRandom), CHURN, i);
      }
    }
    long end = startMs + windowMs + 2 * OnionConfig.defaults().buildTimeoutMs()
        * CircuitPlanner.Limits.defaults().maxBuilds();
    while (!queue.isEmpty() && queue.peekTime() <= end) {
      long payload = queue.pop();
      now = queue.lastTime();
      int kind = (int) (payload >>> 56);
      int arg = (int) payload;
      switch (kind) {
        case CELL -> deliver((Cell) take(arg));
        case TIMER -> timer(arg);
        case REQUEST -> attempt((Request) take(arg), true);
        default -> churn(arg);
      }
    }
    long refused = 0;
    long guards = 0;
    for (CircuitPlanner p : planners) {
      if (p != null) {
        refused += p.counters().get("retriesRefused");
        guards += p.counters().get("guardsChosen");
      }
    }
    long handshakes = 0;
    long degreeSum = 0;
    for (int i = 0; i < n; i++) {
      handshakes += engines[i].stats().handshakes();
      degreeSum += friends[i].length;
    }
    long[] times = buildMs.stream().mapToLong(Long::longValue).sorted().toArray();
    return new Row(friendsAsked, degreeSum / (double) n, hostile, circuits, built, noPath, builds, times,
        colluderAtHop, bothEnds, drawnHops, drawnColluders, afterHonest, afterHonestColluders, refused, guards, dosDrops, lostToAbsent, handshakes);
  }

  private void push(long t, int kind, int arg) {
    queue.push(t, ((long) kind << 56) | (arg & 0xFFFFFFFFL));
  }

  private int slot(Object o) {
    if (!freeSlots.isEmpty()) {
      int s = freeSlots.remove(freeSlots.size() - 1);
      slots.set(s, o);
      return s;
    }
    slots.add(o);
    return slots.size() - 1;
  }

  private Object take(int s) {
    Object o = slots.get(s);
    slots.set(s, null);
    freeSlots.add(s);
    return o;
  }

  private void churn(int node) {
    online[node] = !online[node];
    push(now + (online[node] ? session : downtime).sample(churnRandom), CHURN, node);
    if (online[node]) {
      timerAt[node] = Long.MAX_VALUE;
      drain(node);
    }
  }

  private void deliver(Cell c) {
    if (!online[c.to()]) {
      lostToAbsent++;
      return;
    }
    engines[c.to()].handleCell(hopOf[c.from()].node(), c.bytes(), now);
    drain(c.to());
  }

  private void timer(int node) {
    if (timerAt[node] != now) {
      return; // superseded
    }
    timerAt[node] = Long.MAX_VALUE;
    if (online[node]) { // an absent node's timers wait for its return (as a suspended laptop's)
      engines[node].handleTimeout(now);
      drain(node);
    }
  }

  private void drain(int node) {
    OnionEngine e = engines[node];
    boolean more = true;
    while (more) { // closing a built circuit (an event) sends cells
      more = false;
      OnionTransmit t;
      while ((t = e.pollTransmit()) != null) {
        more = true;
        send(node, t);
      }
      OnionEvent ev;
      while ((ev = e.pollEvent()) != null) {
        more = true;
        if (ev instanceof OnionEvent.CircuitBuilt b) {
          builtCircuit(node, b);
        } else if (ev instanceof OnionEvent.CircuitFailed f) {
          failedCircuit(node, f);
        }
      }
    }
    long t2 = e.pollTimeout();
    if (t2 != Long.MAX_VALUE) {
      long at = Math.max(now, t2);
      if (at < timerAt[node] || timerAt[node] < now) {
        timerAt[node] = at;
        push(at, TIMER, node);
      }
    }
  }

  /** Send one cell, unless a colluder drops it (selective denial of service) or the network loses it. */
  private void send(int node, OnionTransmit t) {
    int to = index.get(t.neighbour());
    byte[] cell = t.cell();
    if (hostile && colluder[node] && !colluder[to] && (cell[4] & 0xFF) == CellCommand.CREATE2.code()) {
      dosDrops++;
      return;
    }
    long at = net.arrival(node, to, CELL_BYTES, now, netRandom);
    if (at >= 0) {
      push(at, CELL, slot(new Cell(node, to, cell)));
    }
  }

  /** Ask the client's planner for a build of {@code r}: the first friend in its order with a path. */
  private void attempt(Request r, boolean first) {
    int c = r.client;
    if (first) {
      if (planners[c] == null) {
        planners[c] = new CircuitPlanner(CircuitPlanner.Limits.defaults().withHops(hops), now);
        building[c] = new HashMap<>();
      }
      r.attempt = planners[c].attempt();
    }
    List<NodeId> friendIds = new ArrayList<>();
    for (int f : friends[c]) friendIds.add(hopOf[f].node());
    NodeId self = hopOf[c].node();
    for (NodeId f : r.attempt.friends(friendIds, self, now, planRandom)) {
      PathSelection.Result res = r.attempt.path(self, records.get(f), neighbourhood(records.get(f), self,
          r.attempt.avoided()), planRandom);
      if (res instanceof PathSelection.Result.Chosen chosen) {
        r.path = chosen.hops();
        r.attempt.started(ids(r.path));
        builds++;
        r.handle = engines[c].buildCircuit(r.path, now);
        building[c].put(r.handle, r);
        drain(c);
        return;
      }
    }
    noPath++;
  }

  /** The records a daemon's build through {@code friend} reads: the names {@link Neighbourhood} chooses. */
  private Map<NodeId, PathSelection.Peer> neighbourhood(PathSelection.Peer friend, NodeId self, Set<NodeId> avoid) {
    Map<NodeId, PathSelection.Peer> read = new HashMap<>();
    for (NodeId id : Neighbourhood.first(friend, self, avoid, planRandom)) read.put(id, records.get(id));
    for (NodeId id : Neighbourhood.second(friend, read, self, avoid, planRandom)) read.put(id, records.get(id));
    return read;
  }

  private static List<NodeId> ids(List<Hop> path) {
    return path.stream().map(Hop::node).toList();
  }

  private void builtCircuit(int node, OnionEvent.CircuitBuilt b) {
    Request r = building[node] == null ? null : building[node].remove(b.circuit());
    if (r == null) {
      return;
    }
    r.attempt.built(ids(r.path), now);
    built++;
    buildMs.add(now - r.askedAt);
    boolean first = false;
    boolean last = false;
    for (int h = 0; h < r.path.size(); h++) {
      boolean col = colluder[index.get(r.path.get(h).node())];
      if (col) colluderAtHop[h]++;
      if (h == 0) first = col;
      if (h == r.path.size() - 1) last = col;
      if (h > 0) {
        drawnHops++;
        if (col) drawnColluders++;
        if (!colluder[index.get(r.path.get(h - 1).node())]) {
          afterHonest++;
          if (col) afterHonestColluders++;
        }
      }
    }
    if (first && last) bothEnds++;
    engines[node].close(b.circuit());
  }

  private void failedCircuit(int node, OnionEvent.CircuitFailed f) {
    Request r = building[node] == null ? null : building[node].remove(f.circuit());
    if (r == null) {
      return;
    }
    if (r.attempt.failed(ids(r.path), f.hopsBuilt(), now) instanceof CircuitPlanner.Decision.Retry) {
      attempt(r, false);
    }
  }
}
