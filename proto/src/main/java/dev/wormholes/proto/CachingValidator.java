package dev.wormholes.proto;

import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.StoredValue;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link ValueValidator} that remembers the verdicts of the expensive part of a check (the
 * Ed25519 signature), so that a record returned by twenty holders, or served to a thousand
 * requesters, is verified once, not each time. A node shares one between its engines; the
 * simulator shares one between all its nodes. The verdict it returns is always the one the
 * wrapped validator would return at that wall time:
 *
 * <ul>
 *   <li>a value is cached only when the wrapped check returned OK or BAD_SIGNATURE, that is, when
 *       every cheaper check passed and the signature was the deciding step;
 *   <li>on a hit, the only wall-time-dependent checks (presence expiry: EXPIRED, EXPIRY_TOO_FAR)
 *       are re-evaluated from the record's expiry before the cached verdict is returned.
 * </ul>
 *
 * Keys are the values themselves (protobuf equality covers every byte, so a forged copy with the
 * genuine signature is a different key) together with the key they were checked under. The cache
 * is bounded by its entry count (least recently used entries leave first) and takes no clock: the
 * wall time comes with each check. Thread-safe (one lock; a hit costs a hash and an equals).
 */
public final class CachingValidator implements ValueValidator {
  private record Key(NodeId key, StoredValue value) {}

  /** A cached verdict; {@code expiresAt} is the presence expiry (unused for other kinds). */
  private record Verdict(ValueCheck check, long expiresAt) {}

  private final ValueValidator inner;
  private final Map<Key, Verdict> cache;
  private long hits;
  private long misses;

  /** Wrap {@code inner}, keeping at most {@code capacity} verdicts. */
  public CachingValidator(ValueValidator inner, int capacity) {
    this.inner = inner;
    this.cache = new LinkedHashMap<>(1024, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Key, Verdict> eldest) {
        return size() > capacity;
      }
    };
  }

  @Override
  public synchronized ValueCheck check(NodeId key, StoredValue value, long wallMillis) {
    if (value.hasImmutable()) {
      return inner.check(key, value, wallMillis); // a hash, cheaper than a cache lookup's equals
    }
    Key k = new Key(key, value);
    Verdict v = cache.get(k);
    if (v != null) {
      hits++;
      return value.hasPresence() ? expiryCheck(v, wallMillis) : v.check();
    }
    misses++;
    ValueCheck c = inner.check(key, value, wallMillis);
    if (c == ValueCheck.OK || c == ValueCheck.BAD_SIGNATURE) {
      long expires = value.hasPresence()
          ? DhtValues.parsePresence(value).map(Presence::getExpiresAtMs).orElse(0L) : 0L;
      cache.put(k, new Verdict(c, expires));
    }
    return c;
  }

  /** The expiry checks of {@link DhtValues#check} for presence records, in the same order. */
  private static ValueCheck expiryCheck(Verdict v, long wallMillis) {
    if (Long.compareUnsigned(v.expiresAt(), wallMillis) <= 0) {
      return ValueCheck.EXPIRED;
    }
    if (Long.compareUnsigned(v.expiresAt(), wallMillis + Limits.MAX_PRESENCE_LIFETIME_MS) > 0) {
      return ValueCheck.EXPIRY_TOO_FAR;
    }
    return v.check();
  }

  /** Return how many checks were answered from the cache. */
  public synchronized long hits() {
    return hits;
  }

  /** Return how many checks ran the wrapped validator. */
  public synchronized long misses() {
    return misses;
  }
}
