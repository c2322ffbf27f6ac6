package dev.wormholes.mainline;

/**
 * What a {@link MainlineEngine} starts with. The defaults are a polite client of the public DHT:
 * small lookups, a few queries in flight, a global send budget well under libtorrent's per-IP ban
 * threshold (50 packets in 10 s).
 *
 * @param k nodes per bucket and per lookup result (BEP 5: 8)
 * @param alpha queries in flight per lookup
 * @param maxNodes nodes in the routing table at most
 * @param maxQueriesPerLookup queries one lookup sends at most
 * @param maxPeersPerLookup peers one get_peers lookup keeps at most
 * @param maxLookups lookups running at once; more are refused
 * @param requestTimeoutMs a query without an answer after this fails
 * @param lookupTimeoutMs a lookup ends after this
 * @param queriesPerSecond queries sent per second at most (token bucket, burst of the same size)
 * @param answersPerSecond queries answered per second at most; more are dropped
 * @param rebootstrapMs while the table holds fewer than k nodes, bootstrap again this often
 * @param readOnly BEP 43: flag every query {@code ro} and answer none (the node is not reachable)
 */
public record MainlineConfig(int k, int alpha, int maxNodes, int maxQueriesPerLookup, int maxPeersPerLookup,
    int maxLookups, long requestTimeoutMs, long lookupTimeoutMs, int queriesPerSecond, int answersPerSecond,
    long rebootstrapMs, boolean readOnly) {

  /** Return the defaults: k 8, alpha 3, 160 nodes, 32 queries and 64 peers per lookup, 4 lookups, 2 s / 20 s, 20 q/s, 50 answers/s, 60 s. */
  public static MainlineConfig defaults() {
    return new MainlineConfig(8, 3, 160, 32, 64, 4, 2_000, 20_000, 20, 50, 60_000, false);
  }

  /** Return a copy with {@code readOnly}. */
  public MainlineConfig withReadOnly(boolean ro) {
    return new MainlineConfig(k, alpha, maxNodes, maxQueriesPerLookup, maxPeersPerLookup, maxLookups,
        requestTimeoutMs, lookupTimeoutMs, queriesPerSecond, answersPerSecond, rebootstrapMs, ro);
  }
}
