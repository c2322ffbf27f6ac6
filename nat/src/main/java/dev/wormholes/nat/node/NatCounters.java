package dev.wormholes.nat.node;

import dev.wormholes.nat.punch.HolePunch;
import dev.wormholes.nat.punch.Rendezvous;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the NAT agent refused or dropped, and a few things it did: its own counts, plus the totals
 * of punch and rendezvous engines already discarded (so a count never goes down). Event loop only.
 */
public final class NatCounters {
  // The agent's own.
  long malformed;
  long unknownSession;
  long notFromRendezvous;
  long notServing;
  long unsolicited;
  long sideSocketSkipped;
  long observeAnswered;
  long observeLimited;
  long insideObservations;
  long pathsEstablished;
  long mappingChanges;
  public long portMapRefused;
  // Retired engines' totals, by the names of engineCounts.
  private final Map<String, Long> retired = new HashMap<>();

  /** Add a discarded punch engine's counters to the totals. */
  void retire(HolePunch.Counters c) {
    add(retired, engineCounts(c));
  }

  /** Add a discarded rendezvous engine's counters to the totals. */
  void retire(Rendezvous.Counters c) {
    add(retired, engineCounts(c));
  }

  // A punch engine's counters under the names status shows them by.
  private static Map<String, Long> engineCounts(HolePunch.Counters c) {
    return Map.of("malformed", c.malformed(), "bad_signature", c.badSignature(),
        "not_from_rendezvous", c.notFromRendezvous(), "unknown_session", c.unknownSession(),
        "refused_connect", c.refusedConnects(), "withheld_probe", c.withheldProbes(),
        "evicted_session", c.evictedSessions());
  }

  // A rendezvous engine's counters under the names status shows them by.
  private static Map<String, Long> engineCounts(Rendezvous.Counters c) {
    return Map.of("malformed", c.malformed(), "bad_signature", c.badSignature(),
        "replayed_register", c.replayedRegister(), "unknown_target", c.unknownTarget(),
        "dial_back_refused", c.dialBackRefused(), "untrusted_order", c.untrustedOrders(),
        "forwarded", c.forwarded(), "unregistered_sender", c.unregisteredSender(),
        "connect_over_rate", c.overRate(), "registrations_full", c.full());
  }

  private static void add(Map<String, Long> totals, Map<String, Long> counts) {
    counts.forEach((k, v) -> totals.merge(k, v, Long::sum));
  }

  /**
   * Refusals by reason, as shown under {@code "nat": {"refused": {...}}} of {@code /v1/status}.
   *
   * @param refused reason -> count, in a fixed order
   * @param forwarded Connect/Accept/Sync messages forwarded as rendezvous
   * @param observeAnswered Observe requests answered
   * @param pathsEstablished punched paths (either side)
   */
  public record Snapshot(Map<String, Long> refused, long forwarded, long observeAnswered, long pathsEstablished) {
    /** Return the count of {@code reason} (0 when absent). */
    public long get(String reason) {
      return refused.getOrDefault(reason, 0L);
    }
  }

  /** Return the totals with the live engines' counters added. */
  Snapshot snapshot(List<HolePunch.Counters> live, Rendezvous.Counters rv, DialBacks d) {
    Map<String, Long> t = new HashMap<>(retired);
    live.forEach(c -> add(t, engineCounts(c)));
    if (rv != null) {
      add(t, engineCounts(rv));
    }
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("malformed", malformed + t.getOrDefault("malformed", 0L));
    m.put("bad_signature", t.getOrDefault("bad_signature", 0L));
    m.put("refused_connect", t.getOrDefault("refused_connect", 0L));
    m.put("unknown_session", unknownSession + t.getOrDefault("unknown_session", 0L));
    m.put("not_from_rendezvous", notFromRendezvous + t.getOrDefault("not_from_rendezvous", 0L));
    m.put("replayed_register", t.getOrDefault("replayed_register", 0L));
    m.put("unknown_target", t.getOrDefault("unknown_target", 0L));
    m.put("withheld_probe", t.getOrDefault("withheld_probe", 0L));
    m.put("evicted_session", t.getOrDefault("evicted_session", 0L));
    m.put("unregistered_sender", t.getOrDefault("unregistered_sender", 0L));
    m.put("connect_over_rate", t.getOrDefault("connect_over_rate", 0L));
    m.put("registrations_full", t.getOrDefault("registrations_full", 0L));
    m.put("dial_back_refused", t.getOrDefault("dial_back_refused", 0L) + d.thirdParty);
    m.put("dial_back_no_helper", d.noHelper);
    m.put("untrusted_order", t.getOrDefault("untrusted_order", 0L) + d.untrustedOrders);
    m.put("order_rate_limited", d.rateLimited);
    m.put("not_serving", notServing);
    m.put("unsolicited", unsolicited);
    m.put("port_mapping_wrong_source", portMapRefused);
    m.put("side_socket_skipped", sideSocketSkipped);
    m.put("observe_rate_limited", observeLimited);
    return new Snapshot(m, t.getOrDefault("forwarded", 0L), observeAnswered, pathsEstablished);
  }
}
