package dev.wormholes.nat.node;

import dev.wormholes.nat.punch.HolePunch;
import dev.wormholes.nat.punch.Rendezvous;
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
  // Retired engines' totals.
  private long punchMalformed;
  private long punchBadSignature;
  private long punchNotFromRendezvous;
  private long punchUnknownSession;
  private long punchRefusedConnects;
  private long punchWithheldProbes;
  private long rvMalformed;
  private long rvBadSignature;
  private long rvReplayed;
  private long rvUnknownTarget;
  private long rvDialBackRefused;
  private long rvUntrustedOrders;
  private long rvForwarded;
  private long rvUnregisteredSender;
  private long rvOverRate;
  private long rvFull;

  /** Add a discarded punch engine's counters to the totals. */
  void retire(HolePunch.Counters c) {
    punchMalformed += c.malformed();
    punchBadSignature += c.badSignature();
    punchNotFromRendezvous += c.notFromRendezvous();
    punchUnknownSession += c.unknownSession();
    punchRefusedConnects += c.refusedConnects();
    punchWithheldProbes += c.withheldProbes();
  }

  /** Add a discarded rendezvous engine's counters to the totals. */
  void retire(Rendezvous.Counters c) {
    rvMalformed += c.malformed();
    rvBadSignature += c.badSignature();
    rvReplayed += c.replayedRegister();
    rvUnknownTarget += c.unknownTarget();
    rvDialBackRefused += c.dialBackRefused();
    rvUntrustedOrders += c.untrustedOrders();
    rvForwarded += c.forwarded();
    rvUnregisteredSender += c.unregisteredSender();
    rvOverRate += c.overRate();
    rvFull += c.full();
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
    long pm = punchMalformed, pb = punchBadSignature, pn = punchNotFromRendezvous;
    long pu = punchUnknownSession, pr = punchRefusedConnects, pw = punchWithheldProbes;
    for (HolePunch.Counters c : live) {
      pm += c.malformed();
      pb += c.badSignature();
      pn += c.notFromRendezvous();
      pu += c.unknownSession();
      pr += c.refusedConnects();
      pw += c.withheldProbes();
    }
    long rm = rvMalformed, rb = rvBadSignature, rr = rvReplayed, ru = rvUnknownTarget;
    long rd = rvDialBackRefused, rt = rvUntrustedOrders, rf = rvForwarded;
    long rs = rvUnregisteredSender, ro = rvOverRate, rl = rvFull;
    if (rv != null) {
      rm += rv.malformed();
      rb += rv.badSignature();
      rr += rv.replayedRegister();
      ru += rv.unknownTarget();
      rd += rv.dialBackRefused();
      rt += rv.untrustedOrders();
      rf += rv.forwarded();
      rs += rv.unregisteredSender();
      ro += rv.overRate();
      rl += rv.full();
    }
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("malformed", malformed + pm + rm);
    m.put("bad_signature", pb + rb);
    m.put("refused_connect", pr);
    m.put("unknown_session", unknownSession + pu);
    m.put("not_from_rendezvous", notFromRendezvous + pn);
    m.put("replayed_register", rr);
    m.put("unknown_target", ru);
    m.put("withheld_probe", pw);
    m.put("unregistered_sender", rs);
    m.put("connect_over_rate", ro);
    m.put("registrations_full", rl);
    m.put("dial_back_refused", rd + d.thirdParty);
    m.put("dial_back_no_helper", d.noHelper);
    m.put("untrusted_order", rt + d.untrustedOrders);
    m.put("order_rate_limited", d.rateLimited);
    m.put("not_serving", notServing);
    m.put("unsolicited", unsolicited);
    m.put("port_mapping_wrong_source", portMapRefused);
    m.put("side_socket_skipped", sideSocketSkipped);
    m.put("observe_rate_limited", observeLimited);
    return new Snapshot(m, rf, observeAnswered, pathsEstablished);
  }
}
