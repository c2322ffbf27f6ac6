package dev.wormholes.sim;

import static dev.wormholes.sim.Simulation.CHURN;
import static dev.wormholes.sim.Simulation.REFRESH;
import static dev.wormholes.sim.Simulation.WALL_BASE;

import dev.wormholes.dht.Contact;
import dev.wormholes.dht.DhtEngine;
import dev.wormholes.dht.QueryResult;
import dev.wormholes.dht.QueryStats;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.StoredValue;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The DHT workload of a {@link Simulation} and what it measured: lookups from random online
 * nodes, presence records published and refreshed, churn, a mass departure and joins, each
 * query's outcome in the run's {@link Measurements} and {@link Timeline}; at the end, lookups and
 * routing-table contacts counted by NAT type and where Sybils got to. It shares the run's per-node
 * state and drives the engines through the run's event queue and drain; time is the run's.
 */
final class DhtWorkload {
  private final Simulation sim;
  private final Scenario sc;
  private final Simulation.Counters counters;
  private final int[] honest;
  private final DhtEngine[] engines;
  private final NatLayer nat;
  private final boolean[] online;
  private final SplittableRandom workRandom;
  private final int[] seq;
  private final int[] prevSeq;
  private final long[] seqAt;
  private final int eclipseTarget;
  private final Measurements measurements;
  private final NodeId[] ids;
  private final int[] published;
  private final long[] lastLeaveAt;
  private final boolean[] departed;
  private final Timeline timeline;
  private final KeyLogWorkload keylogs;
  private final long[] timerAt;
  private final Identity[] identities;
  private final InetSocketAddress[] addresses;

  /** The workload of {@code s}, made once its nodes are (their ids, publishers and eclipse target fixed). */
  DhtWorkload(Simulation s) {
    this.sim = s;
    sc = s.sc;
    counters = s.counters;
    honest = s.honest;
    engines = s.engines;
    nat = s.nat;
    online = s.online;
    workRandom = s.workRandom;
    seq = s.seq;
    prevSeq = s.prevSeq;
    seqAt = s.seqAt;
    eclipseTarget = s.eclipseTarget;
    measurements = s.measurements;
    ids = s.ids;
    published = s.published;
    lastLeaveAt = s.lastLeaveAt;
    departed = s.departed;
    timeline = s.timeline;
    keylogs = s.keylogs;
    timerAt = s.timerAt;
    identities = s.identities;
    addresses = s.addresses;
  }

  private void push(long time, int kind, int index) {
    sim.push(time, kind, index);
  }

  private void drain(int i) {
    sim.drain(i);
  }

  private int indexOf(InetSocketAddress a) {
    return sim.indexOf(a);
  }

  // ---------------------------------------------------------------- workload

  void lookup() {
    int origin = randomOnline();
    if (origin < 0) return;
    Measurements.Kind kind = sc.str("lookup.kind").equals("get") ? Measurements.Kind.GET : Measurements.Kind.FIND_NODE;
    int target = pickTarget(kind, origin);
    if (target < 0) {
      counters.add("lookup.no_target");
      return;
    }
    DhtEngine e = engines[origin];
    long qid = kind == Measurements.Kind.GET ? e.get(ids[target], sim.now) : e.findNode(ids[target], sim.now);
    measurements.started(kind, origin, target, qid, sim.now);
    drain(origin);
  }

  private int randomOnline() {
    for (int tries = 0; tries < 1000; tries++) {
      int i = honest[workRandom.nextInt(honest.length)];
      if (online[i]) return i;
    }
    return -1;
  }

  private int pickTarget(Measurements.Kind kind, int origin) {
    if (sc.str("lookup.target").equals("eclipse")) {
      return eclipseTarget;
    }
    for (int tries = 0; tries < 1000; tries++) {
      int t = kind == Measurements.Kind.GET
          ? (published.length == 0 ? -1 : published[workRandom.nextInt(published.length)])
          : honest[workRandom.nextInt(honest.length)];
      if (t < 0) return -1;
      if (t != origin && online[t] && (kind != Measurements.Kind.GET || seq[t] > 0)) return t;
    }
    return -1;
  }

  /** Sign and publish a new presence record of node {@code i}; measure it if {@code measured}. */
  void publish(int i, boolean measured) {
    if (!online[i]) {
      push(sim.now + 60_000, REFRESH, i); // try again when it may be back
      return;
    }
    prevSeq[i] = seq[i];
    seq[i]++;
    seqAt[i] = sim.now;
    StoredValue record = PresenceRecords.of(identities[i], seq[i], WALL_BASE + sim.now, addresses[i]);
    long qid = engines[i].publish(record, sim.now);
    if (measured) {
      measurements.started(Measurements.Kind.PUT, i, i, qid, sim.now);
    }
    drain(i);
    push(sim.now + PresenceRecords.REFRESH_MS, REFRESH, i);
  }

  void refresh(int i) {
    if (!departed[i]) publish(i, false);
  }

  void churn(int i) {
    if (departed[i]) return;
    if (online[i]) {
      leave(i);
      push(sim.now + Distribution.parse(sc.str("churn.downtime")).sample(workRandom), CHURN, i);
    } else {
      rejoin(i);
      push(sim.now + sc.churn().sample(workRandom), CHURN, i);
    }
  }

  private void leave(int i) {
    online[i] = false;
    lastLeaveAt[i] = sim.now;
    counters.add("churn.leaves");
  }

  /** Come back with the state the node had (a resumed laptop; node/ keeps a routing snapshot too). */
  private void rejoin(int i) {
    online[i] = true;
    timerAt[i] = Long.MAX_VALUE;
    counters.add("churn.joins");
    drain(i);
  }

  void massLeave() {
    double fraction = sc.dbl("leave.fraction");
    int left = 0;
    for (int i : honest) {
      if (online[i] && workRandom.nextDouble() < fraction) {
        leave(i);
        departed[i] = true;
        left++;
      }
    }
    counters.put("mass_leave.nodes", left);
    counters.put("mass_leave.at_ms", sim.now);
  }

  void join(int i) {
    online[i] = true;
    if (sim.lan == null || !sim.lan.seedless(i)) {
      List<InetSocketAddress> seeds = new ArrayList<>();
      int s = Math.min(sc.integer("bootstrap.seeds"), honest.length);
      for (int j = 0; j < s; j++) seeds.add(addresses[honest[j]]);
      engines[i].bootstrap(seeds, sim.now);
      drain(i);
    }
    if (sim.lan != null) sim.lan.started(i, sim.now);
  }

  // ---------------------------------------------------------------- results

  void finished(int origin, long qid, QueryResult result) {
    if (nat != null && nat.queryFinished(origin, qid, result, sim.now)) return;
    if (keylogs != null && keylogs.queryFinished(origin, qid, result, sim.now)) return;
    Measurements.Query q = measurements.finish(origin, qid);
    if (q == null) return;
    q.end = sim.now;
    QueryStats st = stats(result);
    q.hops = st.hops();
    q.messages = st.messagesSent();
    q.responses = st.responses();
    q.timeouts = st.timeouts();
    if (lastLeaveAt[origin] >= q.start) {
      q.status = Measurements.Status.ABORTED;
    } else {
      q.status = outcome(q, result);
    }
    if (q.kind != Measurements.Kind.PUT) {
      timeline.record(q.start, q.status, q.latency());
    }
  }

  private Measurements.Status outcome(Measurements.Query q, QueryResult result) {
    if (result instanceof QueryResult.Nodes) {
      NodeId want = ids[q.target];
      for (Contact c : ((QueryResult.Nodes) result).closest()) {
        if (c.id().equals(want)) return Measurements.Status.OK;
      }
      return Measurements.Status.FAILED;
    }
    if (result instanceof QueryResult.Found) {
      StoredValue v = ((QueryResult.Found) result).value();
      boolean right = DhtValues.keyOf(v).map(ids[q.target]::equals).orElse(false);
      long minSeq = sim.now - seqAt[q.target] >= 60_000 ? seq[q.target] : prevSeq[q.target];
      if (!right) return Measurements.Status.FAILED;
      return DhtValues.seq(v) >= minSeq ? Measurements.Status.OK : Measurements.Status.STALE;
    }
    if (result instanceof QueryResult.Stored) {
      q.acks = ((QueryResult.Stored) result).acks();
      return q.acks > 0 ? Measurements.Status.OK : Measurements.Status.FAILED;
    }
    return Measurements.Status.FAILED;
  }

  private static QueryStats stats(QueryResult r) {
    if (r instanceof QueryResult.Nodes) return ((QueryResult.Nodes) r).stats();
    if (r instanceof QueryResult.Found) return ((QueryResult.Found) r).stats();
    if (r instanceof QueryResult.NotFound) return ((QueryResult.NotFound) r).stats();
    return ((QueryResult.Stored) r).stats();
  }

  void finishUnfinished() {
    for (Measurements.Query q : measurements.all()) {
      if (q.end < 0 && lastLeaveAt[q.origin] >= q.start) {
        q.status = Measurements.Status.ABORTED;
      }
      if (q.end < 0 && q.kind != Measurements.Kind.PUT) {
        timeline.record(q.start, q.status, -1);
      }
    }
  }

  /** With DHT traffic through the boxes, lookup success depends on the target's NAT: count it per type. */
  void countLookupsByTargetType() {
    for (Measurements.Query q : measurements.all()) {
      if (q.kind() == Measurements.Kind.PUT) continue;
      String t = nat.type(q.target()).label;
      counters.add("dht.lookups_to." + t);
      if (q.status() == Measurements.Status.OK) counters.add("dht.lookups_ok_to." + t);
    }
  }

  /** Count the routing-table contacts of all engines by the contact's NAT type (who got in). */
  void countTableContactsByType() {
    long[] byType = new long[dev.wormholes.sim.nat.NatType.values().length];
    for (DhtEngine e : engines) {
      if (e == null) continue;
      for (Contact c : e.contacts()) {
        int j = indexOf(c.address());
        if (j >= 0) byType[nat.type(j).ordinal()]++;
      }
    }
    for (dev.wormholes.sim.nat.NatType t : dev.wormholes.sim.nat.NatType.values()) {
      counters.put("dht.table_contacts." + t.label, byType[t.ordinal()]);
    }
  }

  /**
   * Count where active Sybils got to: their places in honest routing tables, the eclipse target's
   * table, and which honest nodes hold the target's record and how much of their stores is not
   * presence records (a flood's values).
   */
  void countSybilsInTables() {
    long inTables = 0;
    long tablesWith = 0;
    long floodValues = 0;
    long presenceHeld = 0;
    for (int i : honest) {
      DhtEngine e = engines[i];
      int mine = 0;
      for (Contact c : e.contacts()) {
        int j = indexOf(c.address());
        if (j >= 0 && engines[j] == null) mine++;
      }
      inTables += mine;
      if (mine > 0) tablesWith++;
      long[] kinds = new long[2];
      e.store().forEach((key, v, at) -> kinds[v.hasPresence() ? 1 : 0]++);
      floodValues += kinds[0];
      presenceHeld += kinds[1];
    }
    counters.put("sybil.table_contacts", inTables);
    counters.put("sybil.tables_with_sybils", tablesWith);
    counters.put("store.other_values", floodValues);
    counters.put("store.presence_records", presenceHeld);
    if (eclipseTarget >= 0) {
      int mine = 0;
      for (Contact c : engines[eclipseTarget].contacts()) {
        int j = indexOf(c.address());
        if (j >= 0 && engines[j] == null) mine++;
      }
      counters.put("eclipse.target_table_sybils", mine);
      counters.put("eclipse.target_table_contacts", engines[eclipseTarget].contactCount());
      long holders = 0;
      for (int i : honest) if (engines[i].store().get(ids[eclipseTarget]) != null) holders++;
      counters.put("eclipse.honest_record_holders", holders);
    }
  }
}
