package dev.wormholes.people;

import dev.wormholes.proto.NodeId;

/**
 * Who may make this node verify a pushed key log, decided before the log is decoded: a device of
 * this persona or of an accepted or pending-out contact (one this node asked: its push is the
 * approval) always; anybody else (a stranger, a pending-in requester, a blocked contact) within
 * {@link #PER_SOURCE_BURST} pushes per source then one per {@link #PER_SOURCE_SECONDS}, and
 * {@link #ALL_BURST} from all of them together then one per {@link #ALL_SECONDS}. A push over
 * budget is dropped unread and counted. Time in Unix seconds, handed in. Not thread-safe.
 */
public final class Pushes {
  /** Pushes one source that is no known device may make at once. */
  public static final int PER_SOURCE_BURST = 4;
  /** Seconds per further push of such a source. */
  public static final int PER_SOURCE_SECONDS = 60;
  /** Pushes all such sources together may make at once. */
  public static final int ALL_BURST = 32;
  /** Seconds per further push from all of them. */
  public static final int ALL_SECONDS = 2;

  /** What to do with one push. */
  public enum Verdict {
    /** From a device of this persona or of an accepted or pending-out contact: verify it. */
    KNOWN,
    /** From anybody else, within budget: verify it. */
    WITHIN_BUDGET,
    /** From anybody else, over budget: drop it unread. */
    OVER_BUDGET
  }

  private SourceLimit limit;
  private long dropped;

  /**
   * Judge a push by node {@code peer} from {@code source} at {@code now}, to the persona whose
   * state is {@code own} and whose contacts are {@code book}; charge the budget if it is a stranger's.
   */
  public Verdict admit(ContactBook book, KeyState own, NodeId peer, String source, long now) {
    if (own.hasDevice(peer) || book.ownerOf(peer)
        .filter(c -> c.state() == ContactState.ACCEPTED || c.state() == ContactState.PENDING_OUT).isPresent()) {
      return Verdict.KNOWN;
    }
    if (limit == null) {
      limit = new SourceLimit(PER_SOURCE_BURST, PER_SOURCE_SECONDS, ALL_BURST, ALL_SECONDS, now);
    }
    if (!limit.take(source, now)) {
      dropped++;
      return Verdict.OVER_BUDGET;
    }
    return Verdict.WITHIN_BUDGET;
  }

  /** Return how many pushes were dropped over budget. */
  public long dropped() {
    return dropped;
  }
}
