package dev.wormholes.dht;

/**
 * When a node joins its DHT again while its routing table is thin, and how: with fewer than k
 * contacts, look up its own id (it fills the near buckets a lossy first join left empty; in a tiny
 * network one lookup per wait); with none, bootstrap again from its seeds. Between two tries it
 * waits, doubling from {@code firstWaitMs} to {@code maxWaitMs}; a full table (k contacts) resets
 * the wait. The daemon's public DHT ({@code node/runtime/UdpRuntime}: 4 s to 60 s, first try 2 s
 * after the join) and each private network's ({@code node/networks/PrivateNetwork}: 2 s to 30 s,
 * first try at once, and at once again when seeds are added or a removal starts a fresh table) use
 * it. Pure: time handed in (ms, one clock).
 */
public final class Rejoin {
  /** What to do now. */
  public enum Action {
    /** Nothing: the table is full, or the wait is not over, or no seed to bootstrap from. */
    NONE,
    /** Look up this node's own id (some contacts, fewer than k). */
    FIND_SELF,
    /** Bootstrap again from the seeds (no contact). */
    BOOTSTRAP
  }

  private final long firstWaitMs;
  private final long maxWaitMs;
  private long at;
  private long wait;

  /** Try first at {@code firstAt}, then wait {@code firstWaitMs}, doubling up to {@code maxWaitMs}. */
  public Rejoin(long firstWaitMs, long maxWaitMs, long firstAt) {
    this.firstWaitMs = firstWaitMs;
    this.maxWaitMs = maxWaitMs;
    this.wait = firstWaitMs;
    this.at = firstAt;
  }

  /** Try again at {@code now} (new seeds, a fresh table), the wait unchanged. */
  public void soon(long now) {
    at = now;
  }

  /**
   * Return what to do at {@code now} with {@code contacts} in a table that is full at {@code k};
   * {@code seeds}: there is an address to bootstrap from. A try (even without a seed) starts the
   * next wait.
   */
  public Action poll(int contacts, int k, boolean seeds, long now) {
    if (contacts >= k) {
      wait = firstWaitMs;
      return Action.NONE;
    }
    if (now < at) {
      return Action.NONE;
    }
    at = now + wait;
    wait = Math.min(maxWaitMs, wait * 2);
    return contacts > 0 ? Action.FIND_SELF : seeds ? Action.BOOTSTRAP : Action.NONE;
  }

  /** Return when the next try is due, if the table is still thin then. */
  public long nextAt() {
    return at;
  }
}
