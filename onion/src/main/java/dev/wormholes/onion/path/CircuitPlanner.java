package dev.wormholes.onion.path;

import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.TokenBucket;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

/**
 * The originator's decisions about its circuits' paths, pure: time (monotonic ms) and randomness
 * are handed in; the driver fetches records and builds circuits, this class says through whom.
 *
 * <p><b>Guard.</b> Hop 1 is a guard: one friend drawn uniformly from the friends the first time a
 * path is wanted, then kept for {@link Limits#guardLifetimeMs} while it stays a friend. Only the
 * guard's own silence replaces it: after {@link Limits#guardMisses} builds in a row in which hop 1
 * was the guard and did not answer, a new guard is drawn from the friends the current circuit does
 * not avoid, the one just replaced only when it is the sole such friend. A build that failed
 * further along (a later hop did not answer) never counts against the guard, so a hostile hop
 * cannot push the client off its guard. While the guard is avoided in one circuit's builds, the other friends are
 * tried after it as fallbacks, in an order drawn per build; a fallback that works does not become
 * the guard.
 *
 * <p><b>Rebuild.</b> A circuit wanted is an {@link Attempt}: each failed build avoids, for the rest
 * of the attempt, the first hop that did not answer (the guard included), and the next build draws
 * a path without it. An attempt makes at most {@link Limits#maxBuilds} builds.
 *
 * <p><b>Retry cap.</b> A hop that kills builds unless the path suits it (selective denial of
 * service) gets the client to draw again; so every rebuild (a build after the first of its
 * attempt) takes a token from a bucket of {@link Limits#retryBurst} refilled at {@link
 * Limits#retriesPerHour}. With the bucket empty a failed build ends its attempt: the number of
 * paths such a hop can make the client draw is bounded per hour, however many circuits it asks for.
 *
 * <p>Not thread-safe: one driver thread owns it.
 */
public final class CircuitPlanner {
  /**
   * The planner's limits.
   *
   * @param hops hops per circuit (2 or 3)
   * @param draws most draws per hop in {@link PathSelection}
   * @param maxBuilds most builds per circuit wanted
   * @param guardLifetimeMs how long a guard is kept at most
   * @param guardMisses builds in a row with a silent guard at hop 1 before it is replaced
   * @param retryBurst rebuilds allowed at once
   * @param retriesPerHour rebuilds the bucket regains per hour
   */
  public record Limits(int hops, int draws, int maxBuilds, long guardLifetimeMs, int guardMisses,
      int retryBurst, double retriesPerHour) {
    /** Check the values. */
    public Limits {
      if (hops < 2 || hops > 3 || draws < 1 || maxBuilds < 1 || guardLifetimeMs <= 0 || guardMisses < 1
          || retryBurst < 1 || retriesPerHour <= 0) {
        throw new IllegalArgumentException("bad planner limits");
      }
    }

    /**
     * The daemon's: 3 hops, 16 draws per hop, 3 builds per circuit, a guard kept up to 30 days
     * and replaced after 3 silent builds in a row, 10 rebuilds at once and 30 more an hour.
     */
    public static Limits defaults() {
      return new Limits(3, 16, 3, 30L * 24 * 3600_000, 3, 10, 30);
    }

    /** Return these limits with {@code hops} hops per circuit. */
    public Limits withHops(int hops) {
      return new Limits(hops, draws, maxBuilds, guardLifetimeMs, guardMisses, retryBurst, retriesPerHour);
    }
  }

  /** What to do after a failed build. */
  public sealed interface Decision {
    /** Build again; {@code avoided} is now left out of this attempt's paths. @param avoided the hop */
    record Retry(NodeId avoided) implements Decision {}

    /** Stop: the attempt failed. @param avoided the hop now avoided @param why one sentence */
    record GiveUp(NodeId avoided, String why) implements Decision {}
  }

  private final Limits limits;
  private final TokenBucket retries;
  private NodeId guard;
  /** The last guard replaced for its silence: drawn as the next guard only when it is the sole friend left. */
  private NodeId silentGuard;
  private long guardSince;
  private int guardMissed;
  private long buildsStarted;
  private long buildsFailed;
  private long retriesRefused;
  private long guardsChosen;

  /** Make a planner with no guard yet, its retry bucket full at {@code now}. */
  public CircuitPlanner(Limits limits, long now) {
    this.limits = limits;
    this.retries = new TokenBucket(limits.retriesPerHour() / 3600.0, limits.retryBurst(), now);
  }

  /** Return the limits. */
  public Limits limits() {
    return limits;
  }

  /** Return the guard, or null before the first path or after it was replaced. */
  public NodeId guard() {
    return guard;
  }

  /** Return builds started, builds failed, rebuilds refused by the cap and guards drawn, by name. */
  public Map<String, Long> counters() {
    Map<String, Long> m = new HashMap<>();
    m.put("buildsStarted", buildsStarted);
    m.put("buildsFailed", buildsFailed);
    m.put("retriesRefused", retriesRefused);
    m.put("guardsChosen", guardsChosen);
    return m;
  }

  /** Begin one circuit wanted. */
  public Attempt attempt() {
    return new Attempt();
  }

  /** The builds made for one circuit wanted. */
  public final class Attempt {
    private final Set<NodeId> avoid = new HashSet<>();
    private int builds;
    /** This node's friends at the last {@link #friends} call: its own list's length, for {@link PathSelection}. */
    private int ownList = Integer.MAX_VALUE;

    private Attempt() {}

    /** Return the nodes this attempt avoids (hops that did not answer). */
    public Set<NodeId> avoided() {
      return Collections.unmodifiableSet(avoid);
    }

    /** Return builds started in this attempt. */
    public int builds() {
      return builds;
    }

    /**
     * Return the friends to try as hop 1 for the next build, in order: the guard first (drawn
     * now if there is none, it expired or is no longer a friend; never a node this attempt avoids,
     * the guard last replaced for silence only when no other friend is left), then the other friends in a drawn order; {@code
     * self} and avoided nodes left out. Empty: no friend to try.
     */
    public List<NodeId> friends(Collection<NodeId> friends, NodeId self, long now, RandomGenerator random) {
      List<NodeId> eligible = new ArrayList<>(new TreeSet<>(friends));
      eligible.remove(self);
      ownList = Math.max(1, eligible.size());
      if (guard != null && (!eligible.contains(guard) || now - guardSince >= limits.guardLifetimeMs())) {
        guard = null;
      }
      eligible.removeAll(avoid);
      if (guard == null) {
        List<NodeId> candidates = new ArrayList<>(eligible);
        if (candidates.size() > 1) {
          candidates.remove(silentGuard);
        }
        if (!candidates.isEmpty()) {
          guard = candidates.get(random.nextInt(candidates.size()));
          guardSince = now;
          guardMissed = 0;
          guardsChosen++;
        }
      }
      List<NodeId> order = new ArrayList<>(eligible);
      order.remove(guard);
      for (int i = order.size() - 1; i > 0; i--) {
        Collections.swap(order, i, random.nextInt(i + 1));
      }
      if (eligible.contains(guard)) {
        order.add(0, guard);
      }
      return order;
    }

    /**
     * Choose a path through {@code friend} from {@code records}, leaving out avoided nodes
     * ({@link PathSelection#select} with this planner's hops and draws, and this node's friend count
     * from the last {@link #friends} call as its own list's length).
     */
    public PathSelection.Result path(NodeId self, PathSelection.Peer friend, Map<NodeId, PathSelection.Peer> records,
        RandomGenerator random) {
      Map<NodeId, PathSelection.Peer> usable = new HashMap<>(records);
      usable.keySet().removeAll(avoid);
      return PathSelection.select(self, friend, usable, limits.hops(), limits.draws(), ownList, random);
    }

    /** A build through {@code path} started. */
    public void started(List<NodeId> path) {
      builds++;
      buildsStarted++;
    }

    /** The build through {@code path} succeeded at {@code now}: a guard that answered is kept. */
    public void built(List<NodeId> path, long now) {
      if (path.get(0).equals(guard)) {
        guardMissed = 0;
      }
    }

    /**
     * The build through {@code path} failed with {@code hopsBuilt} hops answering: avoid the first
     * hop that did not, and say whether to build again.
     */
    public Decision failed(List<NodeId> path, int hopsBuilt, long now) {
      buildsFailed++;
      NodeId silent = path.get(Math.min(Math.max(hopsBuilt, 0), path.size() - 1));
      avoid.add(silent);
      if (hopsBuilt == 0 && silent.equals(guard) && ++guardMissed >= limits.guardMisses()) {
        silentGuard = guard;
        guard = null;
      }
      if (builds >= limits.maxBuilds()) {
        return new Decision.GiveUp(silent, "no circuit after " + builds + " build(s)");
      }
      if (!retries.tryTake(1, now)) {
        retriesRefused++;
        return new Decision.GiveUp(silent, "too many failed builds lately (at most " + limits.retryBurst()
            + " rebuilds at once and " + (long) limits.retriesPerHour() + " an hour, against hops that fail"
            + " circuits on purpose)");
      }
      return new Decision.Retry(silent);
    }
  }
}
