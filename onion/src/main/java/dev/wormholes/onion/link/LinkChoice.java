package dev.wormholes.onion.link;

import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.TokenBucket;
import java.util.HashMap;
import java.util.Map;

/**
 * Which link a node keeps when a second link to the same neighbour appears, on the caller's
 * monotonic milliseconds. The circuit engine keys circuits by neighbour and needs each circuit's
 * cells in the order sent (relay crypto chains every cell to the one before), so a neighbour has at
 * most one link, and both ends must keep the same one without talking about it.
 *
 * <p><b>The rule</b> ({@link #choose}), for a new link while one is held:
 *
 * <ul>
 *   <li>a held link that is no longer active gives way ({@link Verdict#REPLACE});
 *   <li>a new link dialled by the same side as the held one replaces it: that side lost the old
 *       link and dialled again ({@link Verdict#REPLACE});
 *   <li>of two links dialled by different sides (both dialled at once), the one dialled by the
 *       smaller node id is kept ({@link Verdict#REPLACE} or {@link Verdict#KEEP_HELD}).
 * </ul>
 *
 * Both ends see the same two links (a dialler attaches its link only once the acceptor has
 * accepted it), so both reach the same verdict whatever order the links arrive in.
 *
 * <p><b>The redial budget.</b> Replacing a held link ends every circuit over it (the engine cannot
 * resume one on another link), so a neighbour that redials over and over while its link is alive
 * would end every circuit through it each time. A redial by the neighbour that would replace an
 * active link the neighbour dialled takes a token from that neighbour's bucket ({@link
 * #REDIALS_PER_MINUTE}, refilled over a minute); without one the new link is refused ({@link
 * Verdict#REFUSE_REDIAL}, counted) and the held link stays. Only the acceptor applies the budget,
 * and the dialler attaches nothing the acceptor refused, so both ends still keep the same link. A
 * redial replacing a dead link, and this node's own dials, are never budgeted.
 *
 * <p>Memory: one bucket per neighbour whose redials have not yet been refilled (at most a minute
 * after its last redial; {@link #prune} drops the full ones). Not thread-safe.
 */
public final class LinkChoice {
  /** Redials by one neighbour that may replace its active link per minute (and at once). */
  public static final int REDIALS_PER_MINUTE = 4;

  /** What happens to a new link to a neighbour that already has one. */
  public enum Verdict {
    /** The new link takes the held one's place; the held link is closed and its circuits end. */
    REPLACE,
    /** The held link stays; the new one is closed (dialled here) or refused (dialled there). */
    KEEP_HELD,
    /** The neighbour redialled beyond its budget: the new link is refused, the held one stays. */
    REFUSE_REDIAL
  }

  private final NodeId self;
  private final int redialsPerMinute;
  private final Map<NodeId, TokenBucket> redials = new HashMap<>();
  private long refusedRedials;
  private long replacedByRedial;

  /** The choices of node {@code self}, with {@link #REDIALS_PER_MINUTE}. */
  public LinkChoice(NodeId self) {
    this(self, REDIALS_PER_MINUTE);
  }

  /** The choices of node {@code self}, letting a neighbour replace its active link {@code redialsPerMinute} times a minute. */
  public LinkChoice(NodeId self, int redialsPerMinute) {
    if (redialsPerMinute < 1) {
      throw new IllegalArgumentException("redials per minute must be positive: " + redialsPerMinute);
    }
    this.self = self;
    this.redialsPerMinute = redialsPerMinute;
  }

  /**
   * Decide about a new link to {@code peer} ({@code newDialledHere}: this node dialled it) while
   * a link to it is held ({@code heldActive}: still open; {@code heldDialledHere}: this node dialled
   * it), at {@code now}.
   */
  public Verdict choose(NodeId peer, boolean heldActive, boolean heldDialledHere, boolean newDialledHere, long now) {
    if (!heldActive) {
      return Verdict.REPLACE; // the held one is gone
    }
    if (newDialledHere == heldDialledHere) { // the side that dialled the held link dialled again
      if (!newDialledHere) {
        TokenBucket bucket = redials.computeIfAbsent(peer, p -> new TokenBucket(redialsPerMinute / 60.0, redialsPerMinute, now));
        if (!bucket.tryTake(1, now)) {
          refusedRedials++;
          return Verdict.REFUSE_REDIAL;
        }
        replacedByRedial++;
      }
      return Verdict.REPLACE;
    }
    boolean smallerHere = self.compareTo(peer) < 0;
    return newDialledHere == smallerHere ? Verdict.REPLACE : Verdict.KEEP_HELD; // the smaller id's dial wins
  }

  /** Forget the budgets that are full again at {@code now} (no different from new ones). */
  public void prune(long now) {
    redials.values().removeIf(b -> b.full(now));
  }

  /** Return the redials refused over the budget. */
  public long refusedRedials() {
    return refusedRedials;
  }

  /** Return the active links a neighbour's redial replaced within the budget. */
  public long replacedByRedial() {
    return replacedByRedial;
  }

  /** Return how many neighbours' redial budgets are held. */
  public int budgetsHeld() {
    return redials.size();
  }
}
