package dev.wormholes.dht;

import java.util.Objects;

/**
 * Configuration of a {@link DhtEngine}, built with {@code DhtConfig.builder()...build()}. Immutable
 * and shareable between engines (the simulator hands one instance to all its nodes). Defaults are
 * in the Javadoc of each accessor.
 */
public final class DhtConfig {
  /** Kademlia bucket size and replication factor. */
  public static final int K = 20;
  /** Kademlia lookup parallelism. */
  public static final int ALPHA = 3;
  /** How often the store-token secret rotates; the previous secret stays valid one more period. */
  public static final long TOKEN_ROTATE_MS = 5 * 60_000L;

  /**
   * The public network's id work factor ({@link #idWorkBits()}): a first start grinds about
   * 2^12 = 4,096 key pairs, 0.14-0.6 s of one core (proto's {@code IdWorkBenchmark}); an id next to
   * a chosen target costs an attacker 4,096 times what it did without.
   */
  public static final int PUBLIC_ID_WORK_BITS = 12;

  private final int k;
  private final int alpha;
  private final int disjointPaths;
  private final long requestTimeoutMs;
  private final long maxRequestTimeoutMs;
  private final long bucketRefreshMs;
  private final long republishMs;
  private final long replicateMs;
  private final long valueTtlMs;
  private final long expireCheckMs;
  private final long networkId;
  private final int maxStoredValues;
  private final int maxRequestsPerSecondPerSource;
  private final int rateLimiterSlots;
  private final int tokenCacheSlots;
  private final int replacementCacheSize;
  private final int pingBacksPerSecond;
  private final int unvalidatedRequestSize;
  private final int maxMaintenanceQueries;
  private final int maxFailures;
  private final long lateResponseGraceMs;
  private final int lateResponseSlots;
  private final ContactInterner contactInterner;
  private final boolean readOnly;
  private final int valueDisjointPaths;
  private final int getQuorum;
  private final int idWorkBits;
  private final int maxPerPrefixPerBucket;
  private final int maxPerPrefixInTable;
  private final int proofsPerSecond;
  private final int newValuesPerSourcePerHour;
  private final int presenceReservePercent;
  private final int maxMaintenanceQueue;

  private DhtConfig(Builder b) {
    this.k = b.k;
    this.alpha = b.alpha;
    this.disjointPaths = b.disjointPaths;
    this.requestTimeoutMs = b.requestTimeoutMs;
    this.maxRequestTimeoutMs = b.maxRequestTimeoutMs;
    this.bucketRefreshMs = b.bucketRefreshMs;
    this.republishMs = b.republishMs;
    this.replicateMs = b.replicateMs;
    this.valueTtlMs = b.valueTtlMs;
    this.expireCheckMs = b.expireCheckMs;
    this.networkId = b.networkId;
    this.maxStoredValues = b.maxStoredValues;
    this.maxRequestsPerSecondPerSource = b.maxRequestsPerSecondPerSource;
    this.rateLimiterSlots = b.rateLimiterSlots;
    this.tokenCacheSlots = b.tokenCacheSlots;
    this.replacementCacheSize = b.replacementCacheSize;
    this.pingBacksPerSecond = b.pingBacksPerSecond;
    this.unvalidatedRequestSize = b.unvalidatedRequestSize;
    this.maxMaintenanceQueries = b.maxMaintenanceQueries;
    this.maxFailures = b.maxFailures;
    this.lateResponseGraceMs = b.lateResponseGraceMs;
    this.lateResponseSlots = b.lateResponseSlots;
    this.contactInterner = b.contactInterner;
    this.readOnly = b.readOnly;
    this.valueDisjointPaths = b.valueDisjointPaths;
    this.getQuorum = b.getQuorum;
    this.idWorkBits = b.idWorkBits;
    this.maxPerPrefixPerBucket = b.maxPerPrefixPerBucket;
    this.maxPerPrefixInTable = b.maxPerPrefixInTable;
    this.proofsPerSecond = b.proofsPerSecond;
    this.newValuesPerSourcePerHour = b.newValuesPerSourcePerHour;
    this.presenceReservePercent = b.presenceReservePercent;
    this.maxMaintenanceQueue = b.maxMaintenanceQueue;
  }

  /** Return a builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Return the configuration with every default. */
  public static DhtConfig defaults() {
    return builder().build();
  }

  /** Bucket size and replication factor [20]. */
  public int k() { return k; }

  /** Requests in flight per lookup path [3]. */
  public int alpha() { return alpha; }

  /** S/Kademlia disjoint lookup paths d [1]. */
  public int disjointPaths() { return disjointPaths; }

  /**
   * A request not answered within this is a failure [1000]. It is the floor of the adaptive
   * timeout: the smoothed round-trip time plus four deviations, measured from answers (late ones
   * too), capped at {@link #maxRequestTimeoutMs()}.
   */
  public long requestTimeoutMs() { return requestTimeoutMs; }

  /**
   * Ceiling of the adaptive request timeout, reached only when answers are slow (queueing under
   * load); at or below {@link #requestTimeoutMs()} the timeout is fixed [4000].
   */
  public long maxRequestTimeoutMs() { return maxRequestTimeoutMs; }

  /** A bucket not looked up for this long is refreshed with a lookup of a random id in it [15 min]. */
  public long bucketRefreshMs() { return bucketRefreshMs; }

  /** The originator re-puts its published values this often [30 min]. */
  public long republishMs() { return republishMs; }

  /** Holders re-put values not stored for this long (checked every quarter of it) to the current k closest [60 min]. */
  public long replicateMs() { return replicateMs; }

  /** A held value not stored again for this long is dropped [2 h]. */
  public long valueTtlMs() { return valueTtlMs; }

  /** How often the store is swept for expired values [5 min]. */
  public long expireCheckMs() { return expireCheckMs; }

  /** Packet.network_id; datagrams of other networks are dropped [0]. */
  public long networkId() { return networkId; }

  /** Store capacity: PUTs of new keys beyond it are refused with ERROR_STORE_FULL [100_000]. */
  public int maxStoredValues() { return maxStoredValues; }

  /** Incoming requests per second accepted from one source address [50]. */
  public int maxRequestsPerSecondPerSource() { return maxRequestsPerSecondPerSource; }

  /**
   * Slots in the fixed-size per-source rate-limit table (8 bytes each, allocated on first use); a
   * source colliding with another takes its slot, so more slots make the limit tighter under a
   * flood from many addresses. Small by default for the million-node simulator; a daemon can
   * afford thousands [64].
   */
  public int rateLimiterSlots() { return rateLimiterSlots; }

  /**
   * Slots in the fixed-size cache of tokens peers issued us (24 bytes each, allocated on first
   * use). A hit saves padding a request; PUTs use the tokens their own lookup collected [32].
   */
  public int tokenCacheSlots() { return tokenCacheSlots; }

  /** Candidates kept per full bucket to replace contacts that fail [4]. */
  public int replacementCacheSize() { return replacementCacheSize; }

  /** Unknown requesters pinged back per second to admit them to the routing table [20]. */
  public int pingBacksPerSecond() { return pingBacksPerSecond; }

  /**
   * FIND_NODE and GET requests sent without a token are padded to this many bytes so that the
   * answer fits the anti-amplification limit without a retry (QUIC pads its Initial to 1200 for
   * the same reason); 0 pads only PINGs [1200].
   */
  public int unvalidatedRequestSize() { return unvalidatedRequestSize; }

  /** Refresh, republish and replication lookups run at most this many at a time [4]. */
  public int maxMaintenanceQueries() { return maxMaintenanceQueries; }

  /**
   * Consecutive failed requests after which a routing-table contact is dropped even with no
   * replacement waiting; requests that were in flight together count as one failure, and any
   * answer (a late one too) resets the count. With a replacement waiting, one failure is enough
   * [3].
   */
  public int maxFailures() { return maxFailures; }

  /**
   * How long after its timeout a request's txid is kept so that a late answer credits the contact
   * (counted as {@link DropReason#LATE_RESPONSE}, not as unexpected) [4000].
   */
  public long lateResponseGraceMs() { return lateResponseGraceMs; }

  /** At most this many timed-out requests are kept for a late answer, the oldest dropped first; 0 keeps none [64]. */
  public int lateResponseSlots() { return lateResponseSlots; }

  /** Canonicalises contacts kept in the routing table [identity]. */
  public ContactInterner contactInterner() { return contactInterner; }

  /**
   * Whether the engine starts read-only (BEP 43; libp2p Kademlia's client mode): it cannot be
   * reached unsolicited (its NAT filters strangers), so it marks every request {@code read_only},
   * answers no request, and stays out of other nodes' routing tables; it still looks up, gets and
   * puts. {@link DhtEngine#setReadOnly} changes it at run time [false].
   */
  public boolean readOnly() { return readOnly; }

  /**
   * Disjoint paths of GET and PUT lookups (presence records and values), at least {@link
   * #disjointPaths()}: S/Kademlia's defence against misrouting adversaries where it matters most
   * (sim/README.md gives the figures it was chosen from) [4].
   */
  public int valueDisjointPaths() { return valueDisjointPaths; }

  /**
   * Holders per disjoint path that must agree before a GET of a mutable value (a presence record,
   * a signed item with a seq) ends early; 0: a mutable GET runs the whole lookup. The GET reports
   * {@link QueryResult.Found} and abandons the rest of its lookup (answers still in flight are
   * ignored) once the best valid value was returned, byte for byte, by q x d holders in q x d
   * distinct address prefixes (IPv4 /24, IPv6 /64; each loopback address counts alone), no answer
   * so far carried anything else (an older or newer seq, a forged or tampered record, another key),
   * and each of its d disjoint paths ({@link #valueDisjointPaths()}) is settled: q holders on it
   * returned the value; or it has finished; or it has converged, meaning the q closest candidates
   * it knows that have not failed have all answered (none closer is left to ask or in flight), each
   * with the value or, farther from the key than every holder of it, with none. A settled path
   * sends no more requests while another path is not settled. An immutable value ends a GET at
   * once whatever this is.
   *
   * <p>Why: the disjoint-path guarantee (S/Kademlia) is that the lookup succeeds when one of the d
   * paths is free of adversaries. Every node is asked directly, so an honest holder of the newest
   * value that answers on any path makes it the best, and a path whose closest answered with an
   * older one is then not settled. For a stale value to end a GET early, each path must have met
   * it (or met nothing) among its closest, from q x d prefixes, before any holder of a newer value
   * (or of anything else) answered; an adversary on all d paths already defeats the whole lookup.
   * Convergence is Kademlia's own end condition (the closest known have answered) applied to the q
   * closest instead of the k closest; it settles a path whose way to the key was through holders
   * another path learned first (each contact belongs to the path that learned it), which at d = 4
   * is most GETs. Any disagreement makes the GET run its whole lookup, where one holder of the
   * newest valid value wins; an adversary can force that, never a stale answer. With d = 1 the rule
   * is q (default 2) holders in distinct prefixes; q = 1 would let one stale holder decide there.
   * What the GET gives up is the rest of the k-closest sweep when the first answers all agree: a
   * newer value held only by nodes not reached yet is missed; originators put each new seq to the
   * k closest nodes and read repair spreads it. Read repair after an early end covers responders
   * that returned another value; ones whose answer is still due are not repaired [2].
   */
  public int getQuorum() { return getQuorum; }

  /**
   * The network's id work factor (S/Kademlia's static puzzle): the engine drops every datagram
   * whose sender id lacks this many leading zero bits of SHA-256(id) ({@link
   * dev.wormholes.proto.KeyProofs#work}) except a read-only request (a client's: answered, never
   * admitted), and every contact (added, or named in an answer) whose id lacks them; its own id
   * must meet it unless it is {@link #readOnly()}; every node of a network must use the same value.
   * The public network's is {@link #PUBLIC_ID_WORK_BITS}, which the daemon sets; the builder's default is 0 (no puzzle: private
   * networks, whose rosters admit members, and tests) [0].
   */
  public int idWorkBits() { return idWorkBits; }

  /**
   * Contacts of one address prefix (IPv4 /24, IPv6 /64) a bucket holds at most, as discv5 and BEP
   * 42 limit them; loopback addresses are exempt (nodes on one machine); 0 disables [2].
   */
  public int maxPerPrefixPerBucket() { return maxPerPrefixPerBucket; }

  /** Contacts of one address prefix (/24, /64) the whole table holds at most; loopback exempt; 0 disables [10]. */
  public int maxPerPrefixInTable() { return maxPerPrefixInTable; }

  /** Key proofs ({@code Packet.proof}) this node signs per second at most; challenges beyond it go unanswered [500]. */
  public int proofsPerSecond() { return proofsPerSecond; }

  /**
   * New values (keys not held yet) one source prefix (IPv4 /24, IPv6 /64) may store here per hour;
   * more are refused with ERROR_RATE_LIMITED [1000].
   */
  public int newValuesPerSourcePerHour() { return newValuesPerSourcePerHour; }

  /**
   * Percent of {@link #maxStoredValues()} kept for presence records: other values are refused
   * with ERROR_STORE_FULL once the store holds the rest [20].
   */
  public int presenceReservePercent() { return presenceReservePercent; }

  /**
   * Maintenance jobs (bucket refreshes, republishing, replication) waiting for a slot at most; a
   * job for a key already waiting is not queued twice, and jobs beyond the bound are dropped (the
   * next timer round queues them again) [4096].
   */
  public int maxMaintenanceQueue() { return maxMaintenanceQueue; }

  @Override
  public String toString() {
    return "DhtConfig{k=" + k + ", alpha=" + alpha + ", d=" + disjointPaths + "/" + valueDisjointPaths + ", timeout=" + requestTimeoutMs
        + "ms, network=" + Long.toHexString(networkId) + (readOnly ? ", read-only" : "") + "}";
  }

  /** Builds a {@link DhtConfig}; every setter checks its argument. */
  public static final class Builder {
    private int k = K;
    private int alpha = ALPHA;
    private int disjointPaths = 1;
    private long requestTimeoutMs = 1000;
    private long maxRequestTimeoutMs = 4000;
    private long bucketRefreshMs = 15 * 60_000L;
    private long republishMs = 30 * 60_000L;
    private long replicateMs = 60 * 60_000L;
    private long valueTtlMs = 2 * 60 * 60_000L;
    private long expireCheckMs = 5 * 60_000L;
    private long networkId;
    private int maxStoredValues = 100_000;
    private int maxRequestsPerSecondPerSource = 50;
    private int rateLimiterSlots = 64;
    private int tokenCacheSlots = 32;
    private int replacementCacheSize = 4;
    private int pingBacksPerSecond = 20;
    private int unvalidatedRequestSize = 1200;
    private int maxMaintenanceQueries = 4;
    private int maxFailures = RoutingTable.MAX_FAILURES;
    private long lateResponseGraceMs = 4000;
    private int lateResponseSlots = 64;
    private ContactInterner contactInterner = ContactInterner.identity();
    private boolean readOnly;
    private int valueDisjointPaths = 4;
    private int getQuorum = 2;
    private int idWorkBits;
    private int maxPerPrefixPerBucket = 2;
    private int maxPerPrefixInTable = 10;
    private int proofsPerSecond = 500;
    private int newValuesPerSourcePerHour = 1000;
    private int presenceReservePercent = 20;
    private int maxMaintenanceQueue = 4096;

    private Builder() {}

    /** Set k (1..{@link dev.wormholes.proto.Limits#MAX_CONTACTS}). */
    public Builder k(int v) { k = range(v, 1, dev.wormholes.proto.Limits.MAX_CONTACTS, "k"); return this; }

    /** Set alpha (1..16). */
    public Builder alpha(int v) { alpha = range(v, 1, 16, "alpha"); return this; }

    /** Set the number of disjoint paths d (1..16). */
    public Builder disjointPaths(int v) { disjointPaths = range(v, 1, 16, "disjointPaths"); return this; }

    /** Set the request timeout (ms, positive). */
    public Builder requestTimeoutMs(long v) { requestTimeoutMs = positive(v, "requestTimeoutMs"); return this; }

    /** Set the ceiling of the adaptive request timeout (ms, positive; at or below requestTimeoutMs: fixed). */
    public Builder maxRequestTimeoutMs(long v) { maxRequestTimeoutMs = positive(v, "maxRequestTimeoutMs"); return this; }

    /** Set the bucket refresh interval (ms, positive). */
    public Builder bucketRefreshMs(long v) { bucketRefreshMs = positive(v, "bucketRefreshMs"); return this; }

    /** Set the originator republish interval (ms, positive). */
    public Builder republishMs(long v) { republishMs = positive(v, "republishMs"); return this; }

    /** Set the holder replication interval (ms, positive). */
    public Builder replicateMs(long v) { replicateMs = positive(v, "replicateMs"); return this; }

    /** Set the value time-to-live since last stored (ms, positive). */
    public Builder valueTtlMs(long v) { valueTtlMs = positive(v, "valueTtlMs"); return this; }

    /** Set the store sweep interval (ms, positive). */
    public Builder expireCheckMs(long v) { expireCheckMs = positive(v, "expireCheckMs"); return this; }

    /** Set the network id. */
    public Builder networkId(long v) { networkId = v; return this; }

    /** Set the store capacity (positive). */
    public Builder maxStoredValues(int v) { maxStoredValues = (int) positive(v, "maxStoredValues"); return this; }

    /** Set the per-source request limit per second (positive). */
    public Builder maxRequestsPerSecondPerSource(int v) {
      maxRequestsPerSecondPerSource = range(v, 1, 65_535, "maxRequestsPerSecondPerSource");
      return this;
    }

    /** Set the rate-limit table size (1..65536). */
    public Builder rateLimiterSlots(int v) { rateLimiterSlots = range(v, 1, 65_536, "rateLimiterSlots"); return this; }

    /** Set the token cache size (0 disables it, at most 65536). */
    public Builder tokenCacheSlots(int v) { tokenCacheSlots = range(v, 0, 65_536, "tokenCacheSlots"); return this; }

    /** Set the replacement cache size per bucket (0..k). */
    public Builder replacementCacheSize(int v) { replacementCacheSize = range(v, 0, 64, "replacementCacheSize"); return this; }

    /** Set the ping-back budget per second (0 admits no unknown requester). */
    public Builder pingBacksPerSecond(int v) { pingBacksPerSecond = range(v, 0, 1_000_000, "pingBacksPerSecond"); return this; }

    /** Set the padding target of unvalidated FIND_NODE/GET requests (0 or 128..MAX_DATAGRAM). */
    public Builder unvalidatedRequestSize(int v) {
      if (v != 0) range(v, 128, dev.wormholes.proto.Limits.MAX_DATAGRAM, "unvalidatedRequestSize");
      unvalidatedRequestSize = v;
      return this;
    }

    /** Set how many maintenance lookups may run at once (positive). */
    public Builder maxMaintenanceQueries(int v) { maxMaintenanceQueries = range(v, 1, 1024, "maxMaintenanceQueries"); return this; }

    /** Set how many consecutive failures drop a contact with no replacement waiting (1..100). */
    public Builder maxFailures(int v) { maxFailures = range(v, 1, 100, "maxFailures"); return this; }

    /** Set how long a timed-out request waits for a late answer (ms, 0 disables). */
    public Builder lateResponseGraceMs(long v) {
      if (v < 0) throw new IllegalArgumentException("lateResponseGraceMs must not be negative, got " + v);
      lateResponseGraceMs = v;
      return this;
    }

    /** Set how many timed-out requests are kept for a late answer (0..65536). */
    public Builder lateResponseSlots(int v) { lateResponseSlots = range(v, 0, 65_536, "lateResponseSlots"); return this; }

    /** Set the contact interner. */
    public Builder contactInterner(ContactInterner v) { contactInterner = Objects.requireNonNull(v); return this; }

    /** Set whether the engine starts read-only ({@link DhtConfig#readOnly()}). */
    public Builder readOnly(boolean v) { readOnly = v; return this; }

    /** Set the disjoint paths of GET and PUT lookups (1..16). */
    public Builder valueDisjointPaths(int v) { valueDisjointPaths = range(v, 1, 16, "valueDisjointPaths"); return this; }

    /** Set the agreeing holders per path that end a mutable GET early (0..16; 0: whole lookup). */
    public Builder getQuorum(int v) { getQuorum = range(v, 0, 16, "getQuorum"); return this; }

    /** Set the id work factor in bits (0..32). */
    public Builder idWorkBits(int v) { idWorkBits = range(v, 0, 32, "idWorkBits"); return this; }

    /** Set the contacts per address prefix per bucket (0 disables the limit). */
    public Builder maxPerPrefixPerBucket(int v) { maxPerPrefixPerBucket = range(v, 0, 1024, "maxPerPrefixPerBucket"); return this; }

    /** Set the contacts per address prefix in the table (0 disables the limit). */
    public Builder maxPerPrefixInTable(int v) { maxPerPrefixInTable = range(v, 0, 1_000_000, "maxPerPrefixInTable"); return this; }

    /** Set the key proofs signed per second (0 signs none). */
    public Builder proofsPerSecond(int v) { proofsPerSecond = range(v, 0, 1_000_000, "proofsPerSecond"); return this; }

    /** Set the new values one source prefix may store per hour (positive). */
    public Builder newValuesPerSourcePerHour(int v) {
      newValuesPerSourcePerHour = range(v, 1, 65_535, "newValuesPerSourcePerHour");
      return this;
    }

    /** Set the percent of the store reserved for presence records (0..90). */
    public Builder presenceReservePercent(int v) { presenceReservePercent = range(v, 0, 90, "presenceReservePercent"); return this; }

    /** Set how many maintenance jobs may wait (positive). */
    public Builder maxMaintenanceQueue(int v) { maxMaintenanceQueue = range(v, 1, 1_000_000, "maxMaintenanceQueue"); return this; }

    /** Return the configuration; throw if republishMs or 1.25 x replicateMs is not below valueTtlMs. */
    public DhtConfig build() {
      if (republishMs >= valueTtlMs) {
        throw new IllegalArgumentException("republishMs must be below valueTtlMs or values lapse between republishes");
      }
      if (replicateMs + replicateMs / 4 >= valueTtlMs) {
        throw new IllegalArgumentException("1.25 x replicateMs must be below valueTtlMs or held values lapse");
      }
      return new DhtConfig(this);
    }

    private static int range(int v, int lo, int hi, String name) {
      if (v < lo || v > hi) throw new IllegalArgumentException(name + " must be in " + lo + ".." + hi + ", got " + v);
      return v;
    }

    private static long positive(long v, String name) {
      if (v <= 0) throw new IllegalArgumentException(name + " must be positive, got " + v);
      return v;
    }
  }
}
