package dev.wormholes.dht;

import java.net.InetSocketAddress;
import java.util.random.RandomGenerator;

/**
 * The engine's requests in flight, keyed by txid, and the recently timed-out ones kept for a grace
 * period so that a late answer still credits its contact (and can still prove its key: the
 * request keeps its challenge). Requests are held in send order, which is deadline order (one
 * timeout for all), so the earliest deadline is the first one. Memory is bounded: a timed-out
 * request is remembered as txid, the request and end of grace in a ring of at most {@code lateSlots} entries that grows from 4, drops its oldest entry
 * when full, and is released once every grace period has ended. Requests in flight are a ring in
 * send order (txids in a flat array searched in order, an answered request leaves a hole until it
 * reaches the head), released when empty. An idle engine holds neither.
 *
 * <p>Timeouts adapt to the round-trip times measured from answers, late ones included (RFC 6298's
 * smoothed RTT plus four deviations, integer arithmetic), bounded by {@link
 * DhtConfig#requestTimeoutMs()} below and {@link DhtConfig#maxRequestTimeoutMs()} above: under
 * queueing delay the timeout grows instead of failing live contacts. A deadline is never earlier
 * than the previous one, so send order stays deadline order.
 */
final class Requests {
  private final int lateSlots;
  private final long graceMs;
  private final long minTimeoutMs;
  private final long maxTimeoutMs;
  // Smoothed RTT and its mean deviation (ms); srtt < 0 until the first sample.
  private long srtt = -1;
  private long rttvar;
  private long lastDeadline = Long.MIN_VALUE;
  // Ring of requests in flight in send order, null when empty: txid and request per slot, a null
  // request is a hole left by an answer; the head slot is never a hole.
  private long[] flightTxid;
  private Outstanding[] flightReq;
  private int flightHead;
  private int flightSlots;
  private int flightLive;
  // Ring of timed-out requests in deadline order: txid (0 = answered), contact, end of grace.
  private long[] lateTxid;
  private Outstanding[] lateReq;
  private long[] lateUntil;
  private int lateHead;
  private int lateCount;

  Requests(int lateSlots, long graceMs, long minTimeoutMs, long maxTimeoutMs) {
    this.lateSlots = graceMs > 0 ? lateSlots : 0;
    this.graceMs = graceMs;
    this.minTimeoutMs = minTimeoutMs;
    this.maxTimeoutMs = Math.max(minTimeoutMs, maxTimeoutMs);
  }

  /** Return the current request timeout (ms). */
  long timeoutMs() {
    if (srtt < 0) return minTimeoutMs;
    return Math.min(maxTimeoutMs, Math.max(minTimeoutMs, srtt + 4 * rttvar));
  }

  /** Return the deadline of a request sent at {@code now}: now plus the timeout, never before the last one. */
  long deadlineFor(long now) {
    lastDeadline = Math.max(lastDeadline, now + timeoutMs());
    return lastDeadline;
  }

  /** Feed one round-trip time measured from an answer. */
  void sampleRtt(long rtt) {
    rtt = Math.max(0, Math.min(rtt, 1_000_000));
    if (srtt < 0) {
      srtt = rtt;
      rttvar = rtt / 2;
    } else {
      rttvar = (3 * rttvar + Math.abs(srtt - rtt)) / 4;
      srtt = (7 * srtt + rtt) / 8;
    }
  }

  /** Return a fresh non-zero txid, unused by any request in flight or kept for a late answer. */
  long newTxid(RandomGenerator random) {
    long txid = random.nextLong();
    while (txid == 0 || findFlight(txid) >= 0 || findLate(txid) >= 0) {
      txid = random.nextLong();
    }
    return txid;
  }

  /** Register {@code o}, sent now: its deadline must not be earlier than any registered one. */
  void add(Outstanding o) {
    if (flightTxid == null) {
      flightTxid = new long[4];
      flightReq = new Outstanding[4];
    } else if (flightSlots == flightTxid.length) {
      compactFlight(flightLive == flightSlots ? flightSlots * 2 : flightSlots);
    }
    int i = (flightHead + flightSlots++) % flightTxid.length;
    flightTxid[i] = o.txid;
    flightReq[i] = o;
    flightLive++;
  }

  /** Copy the live requests, in order, to the front of rings of {@code cap} slots. */
  private void compactFlight(int cap) {
    long[] t = new long[cap];
    Outstanding[] r = new Outstanding[cap];
    int n = 0;
    for (int k = 0; k < flightSlots; k++) {
      int i = (flightHead + k) % flightTxid.length;
      if (flightReq[i] != null) {
        t[n] = flightTxid[i];
        r[n++] = flightReq[i];
      }
    }
    flightTxid = t;
    flightReq = r;
    flightHead = 0;
    flightSlots = n;
  }

  private int findFlight(long txid) {
    if (flightTxid == null) return -1;
    for (int k = 0; k < flightSlots; k++) {
      int i = (flightHead + k) % flightTxid.length;
      if (flightTxid[i] == txid && flightReq[i] != null) return i;
    }
    return -1;
  }

  /** Empty slot {@code i}, move the head past holes, and release the ring when nothing is left. */
  private void removeFlight(int i) {
    flightReq[i] = null;
    flightLive--;
    while (flightSlots > 0 && flightReq[flightHead] == null) {
      flightHead = (flightHead + 1) % flightTxid.length;
      flightSlots--;
    }
    if (flightLive == 0) {
      flightTxid = null;
      flightReq = null;
      flightHead = 0;
      flightSlots = 0;
    }
  }

  /**
   * Remove and return the request with {@code txid} if it was sent to {@code from} (its round trip
   * ending at {@code now} is sampled), else null.
   */
  Outstanding take(long txid, InetSocketAddress from, long now) {
    int i = findFlight(txid);
    if (i < 0) return null;
    Outstanding o = flightReq[i];
    if (o.to != from && !o.to.equals(from)) return null;
    sampleRtt(now - o.sentAt);
    removeFlight(i);
    return o;
  }

  /**
   * Remove and return the first request whose deadline is at or before {@code now}, keeping it for
   * a late answer until {@code deadline + graceMs}; null when none is due.
   */
  Outstanding pollExpired(long now) {
    if (flightTxid == null) return null;
    Outstanding o = flightReq[flightHead];
    if (o.deadline > now) return null;
    removeFlight(flightHead);
    if (lateSlots > 0) addLate(o, o.deadline + graceMs);
    return o;
  }

  private void addLate(Outstanding o, long until) {
    if (lateTxid == null) {
      int cap = Math.min(4, lateSlots);
      lateTxid = new long[cap];
      lateReq = new Outstanding[cap];
      lateUntil = new long[cap];
    } else if (lateCount == lateTxid.length && lateCount < lateSlots) {
      growLate(Math.min(lateSlots, lateCount * 2));
    }
    int cap = lateTxid.length;
    if (lateCount == cap) {
      lateHead = (lateHead + 1) % cap; // full: the oldest goes
      lateCount--;
    }
    int i = (lateHead + lateCount++) % cap;
    lateTxid[i] = o.txid;
    lateReq[i] = o;
    lateUntil[i] = until;
  }

  private void growLate(int cap) {
    long[] t = new long[cap];
    Outstanding[] r = new Outstanding[cap];
    long[] u = new long[cap];
    for (int k = 0; k < lateCount; k++) {
      int i = (lateHead + k) % lateTxid.length;
      t[k] = lateTxid[i];
      r[k] = lateReq[i];
      u[k] = lateUntil[i];
    }
    lateTxid = t;
    lateReq = r;
    lateUntil = u;
    lateHead = 0;
  }

  /**
   * Return the timed-out request {@code txid} if it was sent to {@code from} and its grace period
   * has not ended at {@code now}, forgetting it (one credit per request) and sampling its round
   * trip; else null. Lapsed entries are dropped on the way.
   */
  Outstanding takeLate(long txid, InetSocketAddress from, long now) {
    sweepLate(now);
    int i = txid == 0 ? -1 : findLate(txid);
    if (i < 0 || (lateReq[i].to != from && !lateReq[i].to.equals(from))) return null;
    Outstanding o = lateReq[i];
    sampleRtt(now - o.sentAt);
    lateTxid[i] = 0;
    lateReq[i] = null;
    return o;
  }

  /** Drop late entries whose grace period ended at {@code now}; release the ring when empty. */
  void sweepLate(long now) {
    while (lateCount > 0 && (lateUntil[lateHead] <= now || lateTxid[lateHead] == 0)) {
      lateReq[lateHead] = null;
      lateHead = (lateHead + 1) % lateTxid.length;
      lateCount--;
    }
    if (lateCount == 0 && lateTxid != null) {
      lateTxid = null;
      lateReq = null;
      lateUntil = null;
      lateHead = 0;
    }
  }

  /** Return when the last grace period ends (a time to call {@link #sweepLate}), or Long.MAX_VALUE. */
  long lateDeadline() {
    return lateCount == 0 ? Long.MAX_VALUE : lateUntil[(lateHead + lateCount - 1) % lateTxid.length];
  }

  private int findLate(long txid) {
    for (int k = 0; k < lateCount; k++) {
      int i = (lateHead + k) % lateTxid.length;
      if (lateTxid[i] == txid) return i;
    }
    return -1;
  }

  /** Return the earliest deadline of a request in flight, or Long.MAX_VALUE. */
  long nextDeadline() {
    return flightTxid == null ? Long.MAX_VALUE : flightReq[flightHead].deadline;
  }

  /** Return the number of requests in flight. */
  int size() {
    return flightLive;
  }

  /** Return the number of timed-out requests kept for a late answer (answered ones may still count). */
  int lateSize() {
    return lateCount;
  }
}
