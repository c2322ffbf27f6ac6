package dev.wormholes.dht;

import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.ValueCheck;
import dev.wormholes.proto.ValueValidator;
import dev.wormholes.proto.engine.WallClock;
import dev.wormholes.proto.wire.StoredValue;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The engine's maintenance work, started by its timers: bucket refresh lookups (Kademlia section
 * 2.3), the republication of the values this node publishes, the replication of held values to
 * the nodes now closest to them, and value expiry. Lookups wait in one queue, at most one job per
 * key, and run at most {@link DhtConfig#maxMaintenanceQueries()} at a time; the engine starts them
 * through a {@link Starter} and reports each one's end with {@link #finished}. Part of the pure
 * engine: no clock or randomness of its own.
 */
final class Maintenance {
  /** How maintenance starts its lookups in the engine (as maintenance queries). */
  interface Starter {
    /** Return whether bootstrap seeds are remembered. */
    boolean hasSeeds();

    /** Bootstrap again through the remembered seeds (the table ran empty). */
    void bootstrap(long now);

    /** Look up the nodes closest to {@code target}. */
    void findNode(NodeId target, long now);

    /** Put {@code value} under {@code key}, stored {@code ageMs} ago. */
    void put(NodeId key, StoredValue value, long ageMs, long now);
  }

  private static final Timer[] TIMERS = Timer.values();

  /** A re-put: the value and its age (0 when we republish our own). */
  private record Replica(StoredValue value, long ageMs) {}

  private final NodeId selfId;
  private final DhtConfig config;
  private final RandomGenerator random;
  private final WallClock wall;
  private final ValueValidator validator;
  private final ValueStore store;
  private final RoutingTable table;
  private final AddressTokens tokens;
  private final DhtStats stats;
  private final Starter starter;
  // The deadline of each timer, by Timer ordinal.
  private final long[] deadlines = new long[TIMERS.length];

  // Values this node publishes, by key; null when none.
  private LinkedHashMap<NodeId, StoredValue> published;
  // Lookups waiting for a slot, by the key they are about (at most one job per key):
  // NodeId = refresh FIND_NODE of that target, Replica = re-put of that value.
  private LinkedHashMap<NodeId, Object> queue;
  private int running;
  // Values stored at or before this wall time were replicated by an earlier round.
  private long replicatedUpTo = Long.MIN_VALUE;
  private long lastSelfLookup = Long.MIN_VALUE / 2;

  Maintenance(NodeId selfId, DhtConfig config, RandomGenerator random, WallClock wall, ValueValidator validator,
      ValueStore store, RoutingTable table, AddressTokens tokens, DhtStats stats, Starter starter) {
    this.selfId = selfId;
    this.config = config;
    this.random = random;
    this.wall = wall;
    this.validator = validator;
    this.store = store;
    this.table = table;
    this.tokens = tokens;
    this.stats = stats;
    this.starter = starter;
  }

  /** Arm the timers at the engine's first {@code now}. */
  void arm(long now) {
    // Random phases, so that nodes started together do not refresh and replicate in lockstep.
    deadlines[Timer.BUCKET_REFRESH.ordinal()] = now + 1 + random.nextLong(refreshCheckMs());
    deadlines[Timer.REPUBLISH.ordinal()] = now + config.republishMs();
    deadlines[Timer.REPLICATE.ordinal()] = now + 1 + random.nextLong(replicateCheckMs());
    deadlines[Timer.EXPIRE.ordinal()] = now + 1 + random.nextLong(config.expireCheckMs());
    deadlines[Timer.TOKEN_ROTATE.ordinal()] = now + DhtConfig.TOKEN_ROTATE_MS;
  }

  /** Return the earliest timer deadline (after {@link #arm}). */
  long nextDeadline() {
    long t = Long.MAX_VALUE;
    for (long d : deadlines) t = Math.min(t, d);
    return t;
  }

  /** Fire every timer due at {@code now}. */
  void onTimeout(long now) {
    for (Timer t : TIMERS) {
      if (deadlines[t.ordinal()] <= now) fire(t, now);
    }
  }

  private long refreshCheckMs() {
    return Math.max(1, config.bucketRefreshMs() / 4);
  }

  // Each holder re-puts a value once, between replicateMs and 1.25 x replicateMs after its publisher
  // stored it (the builder keeps 1.25 x replicateMs below valueTtlMs), carrying its age: holders that
  // lacked it store it with its original time, holders that had it change nothing.
  private long replicateCheckMs() {
    return Math.max(1, config.replicateMs() / 4);
  }

  private void fire(Timer t, long now) {
    switch (t) {
      case BUCKET_REFRESH -> {
        deadlines[t.ordinal()] = now + refreshCheckMs();
        refreshBuckets(now, false);
      }
      case REPUBLISH -> {
        deadlines[t.ordinal()] = now + config.republishMs();
        republish(now);
      }
      case REPLICATE -> {
        deadlines[t.ordinal()] = now + replicateCheckMs();
        replicate(now);
      }
      case EXPIRE -> {
        deadlines[t.ordinal()] = now + config.expireCheckMs();
        expireValues();
      }
      case TOKEN_ROTATE -> {
        deadlines[t.ordinal()] = now + DhtConfig.TOKEN_ROTATE_MS;
        tokens.rotate(random);
      }
    }
  }

  /** Keep {@code value} as this node's own under {@code key}: republished, never expired here. */
  void publish(NodeId key, StoredValue value) {
    if (published == null) published = new LinkedHashMap<>();
    published.put(key, value);
  }

  /** Record that a lookup of our own id started at {@code now}. */
  void selfLookedUp(long now) {
    lastSelfLookup = now;
  }

  /**
   * Queue a lookup of a random id in every bucket not looked up for bucketRefreshMs (all of them
   * after a bootstrap), up to the deepest bucket in use, plus a lookup of our own id. With an
   * empty table, bootstrap again through the remembered seeds if a slot is free.
   */
  void refreshBuckets(long now, boolean all) {
    if (table.size() == 0) {
      if (!all && starter.hasSeeds() && running < config.maxMaintenanceQueries()) {
        running++;
        starter.bootstrap(now);
      }
      return;
    }
    for (int i = 0; i < table.bucketCount(); i++) {
      if (all || table.lastLookup(i) + config.bucketRefreshMs() <= now) {
        NodeId target = table.randomIdInBucket(i, random);
        table.touch(target, now);
        enqueue(target, target, now);
      }
    }
    if (!all && lastSelfLookup + config.bucketRefreshMs() <= now) enqueue(selfId, selfId, now);
  }

  /** Queue a re-put of every value this node publishes; forget the expired ones. */
  private void republish(long now) {
    if (published == null) return;
    long wallNow = wall.millis();
    for (Iterator<StoredValue> it = published.values().iterator(); it.hasNext(); ) {
      StoredValue v = it.next();
      NodeId key = DhtValues.keyOf(v).orElse(null);
      if (key == null || validator.check(key, v, wallNow) == ValueCheck.EXPIRED) {
        it.remove();
      } else {
        enqueue(key, new Replica(v, 0), now);
      }
    }
  }

  /** Queue a re-put, with its age, of every held value due for replication (see the engine). */
  private void replicate(long now) {
    Set<NodeId> own = published == null ? Set.of() : published.keySet();
    long wallNow = wall.millis();
    long cutoff = wallNow - config.replicateMs();
    StoreSweep.dueForReplication(store, own, replicatedUpTo, cutoff,
        (key, value, storedAt) -> enqueue(key, new Replica(value, wallNow - storedAt), now));
    replicatedUpTo = cutoff;
  }

  /** Remove the expired values of others from the store. */
  private void expireValues() {
    Set<NodeId> own = published == null ? Set.of() : published.keySet();
    stats.valuesExpired += StoreSweep.removeExpired(store, own, config.valueTtlMs(), wall.millis());
  }

  /** Record that a maintenance query ended, and start the next waiting one. */
  void finished(long now) {
    running--;
    start(now);
  }

  /** Return the number of jobs waiting for a slot. */
  int queued() {
    return queue == null ? 0 : queue.size();
  }

  // Queue a job about `key` (replacing, in its place, one about it that waits: the newer value
  // wins) unless the queue is full.
  private void enqueue(NodeId key, Object job, long now) {
    if (queue == null) queue = new LinkedHashMap<>();
    if (queue.containsKey(key) || queue.size() < config.maxMaintenanceQueue()) {
      queue.put(key, job);
    } else {
      stats.maintenanceDropped++;
    }
    start(now);
  }

  private void start(long now) {
    while (queue != null && !queue.isEmpty() && running < config.maxMaintenanceQueries()) {
      Iterator<Map.Entry<NodeId, Object>> it = queue.entrySet().iterator();
      Map.Entry<NodeId, Object> e = it.next();
      it.remove();
      running++;
      if (e.getValue() instanceof Replica r) {
        starter.put(e.getKey(), r.value(), r.ageMs(), now);
      } else {
        starter.findNode((NodeId) e.getValue(), now);
      }
    }
    if (queue != null && queue.isEmpty()) queue = null;
  }
}
