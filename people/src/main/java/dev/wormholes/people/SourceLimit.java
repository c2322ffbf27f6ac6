package dev.wormholes.people;

import dev.wormholes.proto.engine.TokenBucket;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A per-source and an overall token bucket, charged before any costly work on what a source sent:
 * {@code perSourceBurst} at once per source then one per {@code perSourceSeconds}; {@code
 * allBurst} at once from all sources together then one per {@code allSeconds}. At most {@link
 * #MAX_SOURCES} sources are remembered (the one seen longest ago is forgotten beyond). A source is
 * whatever the driver names it by (an IP address, an IPv6 /64). Time in Unix seconds, handed in.
 * Not thread-safe.
 */
final class SourceLimit {
  /** Sources remembered. */
  static final int MAX_SOURCES = 1024;

  private final double perSourceBurst;
  private final double perSourceRate;
  private final TokenBucket all;
  private final Map<String, TokenBucket> sources = new LinkedHashMap<>();

  SourceLimit(int perSourceBurst, int perSourceSeconds, int allBurst, int allSeconds, long now) {
    this.perSourceBurst = perSourceBurst;
    this.perSourceRate = 1.0 / perSourceSeconds;
    this.all = new TokenBucket(1.0 / allSeconds, allBurst, now * 1000);
  }

  /** Take one token from {@code source}'s bucket and the overall one at {@code now}; false if either is empty. */
  boolean take(String source, long now) {
    long ms = now * 1000;
    TokenBucket mine = sources.remove(source);
    if (mine == null) {
      mine = new TokenBucket(perSourceRate, perSourceBurst, ms);
      if (sources.size() >= MAX_SOURCES) {
        Iterator<String> oldest = sources.keySet().iterator();
        oldest.next();
        oldest.remove();
      }
    }
    sources.put(source, mine);
    if (!mine.has(1, ms) || !all.has(1, ms)) {
      return false;
    }
    mine.take(1);
    all.take(1);
    return true;
  }
}
