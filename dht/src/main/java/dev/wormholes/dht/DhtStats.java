package dev.wormholes.dht;

import java.util.EnumMap;
import java.util.Map;

/**
 * Counters of one {@link DhtEngine}, monotonically increasing since it was created. Read them at
 * any time from the thread driving the engine; {@link #snapshot()} copies them into a map.
 */
public final class DhtStats {
  // Updated only by the engine's thread.
  long datagramsIn;
  long datagramsOut;
  long bytesIn;
  long bytesOut;
  long requestsIn;
  long responsesIn;
  long requestsOut;
  long timeouts;
  long truncatedResponsesSent;
  long truncatedRetries;
  long lookupsStarted;
  long lookupsFinished;
  long valuesStored;
  long putsRefused;
  long valuesExpired;
  long pingBacks;
  long evictions;
  long handlerErrors;
  long repairs;
  long getsEndedByQuorum;
  long readOnlyRequestsIn;
  long readOnlyRemovals;
  long readOnlyAnnouncements;
  long readOnlyChecks;
  long proofsVerified;
  long proofsRefused;
  long proofsSigned;
  long proofsUnsigned;
  long putsNotClose;
  long putsOverQuota;
  long maintenanceDropped;
  long contactsBelowWork;
  long requestsBelowWork;
  private final long[] dropped = new long[DropReason.values().length];

  void drop(DropReason reason) {
    dropped[reason.ordinal()]++;
  }

  /** Datagrams handed to {@link DhtEngine#handleDatagram}. */
  public long datagramsIn() { return datagramsIn; }

  /** Datagrams the engine emitted through {@link DhtEngine#pollTransmit()}. */
  public long datagramsOut() { return datagramsOut; }

  /** Bytes received. */
  public long bytesIn() { return bytesIn; }

  /** Bytes sent. */
  public long bytesOut() { return bytesOut; }

  /** Well-formed requests received (rate-limited ones included). */
  public long requestsIn() { return requestsIn; }

  /** Responses matched to one of our requests. */
  public long responsesIn() { return responsesIn; }

  /** Requests sent. */
  public long requestsOut() { return requestsOut; }

  /** Our requests that timed out. */
  public long timeouts() { return timeouts; }

  /** Responses we cut to respect the anti-amplification limit. */
  public long truncatedResponsesSent() { return truncatedResponsesSent; }

  /** Requests we re-sent with a token after a truncated response. */
  public long truncatedRetries() { return truncatedRetries; }

  /** Lookups (queries) started, maintenance included. */
  public long lookupsStarted() { return lookupsStarted; }

  /** Lookups finished. */
  public long lookupsFinished() { return lookupsFinished; }

  /** PUTs accepted and stored. */
  public long valuesStored() { return valuesStored; }

  /** PUTs refused (bad token, invalid, stale, CAS mismatch, store full). */
  public long putsRefused() { return putsRefused; }

  /** Values dropped from the store because they expired. */
  public long valuesExpired() { return valuesExpired; }

  /** Unknown requesters pinged back. */
  public long pingBacks() { return pingBacks; }

  /** Routing-table contacts evicted after failing. */
  public long evictions() { return evictions; }

  /** PUTs of a GET's best value to close peers that returned an older one or none (read repair). */
  public long repairs() { return repairs; }

  /** Mutable GETs that ended before their whole lookup because enough holders agreed ({@link DhtConfig#getQuorum()}). */
  public long getsEndedByQuorum() { return getsEndedByQuorum; }

  /** Requests received with {@code read_only} set (their senders are never admitted to the table). */
  public long readOnlyRequestsIn() { return readOnlyRequestsIn; }

  /** Routing-table contacts removed because they sent a read-only request from their known address. */
  public long readOnlyRemovals() { return readOnlyRemovals; }

  /** PINGs sent to every contact to announce a change of our read-only mode. */
  public long readOnlyAnnouncements() { return readOnlyAnnouncements; }

  /** PINGs sent to a held contact that sent a read_only request, to learn whether it really turned read-only. */
  public long readOnlyChecks() { return readOnlyChecks; }

  /** Contacts admitted after their answer proved the key of their id. */
  public long proofsVerified() { return proofsVerified; }

  /** Answers to a challenge of ours without a valid key proof (or an id short of the work factor): not admitted. */
  public long proofsRefused() { return proofsRefused; }

  /** Key proofs this node signed for challengers. */
  public long proofsSigned() { return proofsSigned; }

  /** Challenges left unanswered because the proofs-per-second budget was spent. */
  public long proofsUnsigned() { return proofsUnsigned; }

  /** PUTs of new keys refused because this node is not among the k closest it knows to the key. */
  public long putsNotClose() { return putsNotClose; }

  /** PUTs of new keys refused because their source prefix spent its hourly quota. */
  public long putsOverQuota() { return putsOverQuota; }

  /** Maintenance jobs dropped because the queue was full (a duplicate of a waiting job is not counted). */
  public long maintenanceDropped() { return maintenanceDropped; }

  /**
   * Contacts refused because their id lacks the network's id work: named in answers, or handed to
   * {@link DhtEngine#addContact} (senders lacking it are {@link DropReason#ID_WORK} drops).
   */
  public long contactsBelowWork() { return contactsBelowWork; }

  /**
   * Read-only requests from ids without the work factor, answered as a client's (their senders
   * never enter the table); any other datagram from such an id is dropped as {@link DropReason#ID_WORK}.
   */
  public long requestsBelowWork() { return requestsBelowWork; }

  /** Datagrams whose handling hit a bug (an exception caught at the engine's edge); should stay 0. */
  public long handlerErrors() { return handlerErrors; }

  /** Datagrams dropped for {@code reason}. */
  public long dropped(DropReason reason) { return dropped[reason.ordinal()]; }

  /** Datagrams dropped for any reason. */
  public long droppedTotal() {
    long t = 0;
    for (long d : dropped) t += d;
    return t;
  }

  /** Return every counter by name, in a fixed order. */
  public Map<String, Long> snapshot() {
    Map<String, Long> m = new java.util.LinkedHashMap<>();
    m.put("datagramsIn", datagramsIn);
    m.put("datagramsOut", datagramsOut);
    m.put("bytesIn", bytesIn);
    m.put("bytesOut", bytesOut);
    m.put("requestsIn", requestsIn);
    m.put("responsesIn", responsesIn);
    m.put("requestsOut", requestsOut);
    m.put("timeouts", timeouts);
    m.put("truncatedResponsesSent", truncatedResponsesSent);
    m.put("truncatedRetries", truncatedRetries);
    m.put("lookupsStarted", lookupsStarted);
    m.put("lookupsFinished", lookupsFinished);
    m.put("valuesStored", valuesStored);
    m.put("putsRefused", putsRefused);
    m.put("valuesExpired", valuesExpired);
    m.put("pingBacks", pingBacks);
    m.put("evictions", evictions);
    m.put("handlerErrors", handlerErrors);
    m.put("repairs", repairs);
    m.put("getsEndedByQuorum", getsEndedByQuorum);
    m.put("readOnlyRequestsIn", readOnlyRequestsIn);
    m.put("readOnlyRemovals", readOnlyRemovals);
    m.put("readOnlyAnnouncements", readOnlyAnnouncements);
    m.put("readOnlyChecks", readOnlyChecks);
    m.put("proofsVerified", proofsVerified);
    m.put("proofsRefused", proofsRefused);
    m.put("proofsSigned", proofsSigned);
    m.put("proofsUnsigned", proofsUnsigned);
    m.put("putsNotClose", putsNotClose);
    m.put("putsOverQuota", putsOverQuota);
    m.put("maintenanceDropped", maintenanceDropped);
    m.put("contactsBelowWork", contactsBelowWork);
    m.put("requestsBelowWork", requestsBelowWork);
    for (DropReason r : DropReason.values()) {
      m.put("dropped." + r.name(), dropped[r.ordinal()]);
    }
    return m;
  }

  /** Return the non-zero drop counters by reason. */
  public Map<DropReason, Long> droppedByReason() {
    Map<DropReason, Long> m = new EnumMap<>(DropReason.class);
    for (DropReason r : DropReason.values()) {
      if (dropped[r.ordinal()] != 0) m.put(r, dropped[r.ordinal()]);
    }
    return m;
  }

  @Override
  public String toString() {
    return "DhtStats" + snapshot();
  }
}
