package dev.wormholes.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.nat.punch.Rendezvous;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Sybils at the rendezvous (issue 12), in small (sim/README.md has the large run): attacker hosts,
 * each in its own /24, register many ids with the honest targets' rendezvous peers, flood them with
 * signed Connects naming a victim's IP, answer every Accept with its Sync, and spoof Register +
 * Connect from the victim's address, against the daemon's Rendezvous, HolePunch and per-source
 * budget. The honest connects end as they do without the attack, no host holds more registrations
 * at a rendezvous than the per-IP cap, honest nodes send the attackers and the victim less than
 * the attackers sent, and a target whose rendezvous the attack focuses on still punches.
 */
class RendezvousSybilsTest {
  private static final Scenario WORLD = Scenario.defaults().parse(String.join("\n",
      "nodes = 800",
      "lookups = 0",
      "lookup.start_s = 10",
      "lookup.window_s = 10",
      "drain_s = 0",
      "nat.mix = public:0.3, full:0.1, address:0.15, port:0.25, symmetric:0.2",
      "nat.port_mapping = 0.1",
      "nat.connect_pairs = 24",
      "nat.connect.start_s = 15",
      "nat.connect.window_s = 20",
      "nat.source_budget = true",
      "nat.sybils = 3",
      "nat.sybil.ids = 24",
      "nat.sybil.connects_per_s = 300",
      "nat.sybil.spoofed_per_s = 10",
      "nat.sybil.start_s = 5",
      ""), "rendezvous-sybils").with("seed", "3");

  @Test
  void honestConnectsPunchWhileSybilsFloodTheirRendezvous() {
    Map<String, Long> quiet = run(WORLD.with("nat.sybils", "0"));
    Map<String, Long> k = run(WORLD);
    System.out.println("RendezvousSybilsTest seed 3: " + k.entrySet().stream()
        .filter(e -> e.getKey().startsWith("sybil.rdv.") || e.getKey().startsWith("nat.refused.")
            || e.getKey().equals("nat.over_budget") || e.getKey().equals("nat.ladder.found"))
        .toList());
    // The attack ran: Connects reached targets (Accepts came back); most were refused, from ids the
    // per-IP cap kept out or over their registration's Connect rate.
    assertTrue(k.get("sybil.rdv.connects_sent") > 10_000 && k.get("sybil.rdv.accepts") > 0
        && k.get("sybil.rdv.bytes_spoofed") > 0, k.toString());
    assertTrue(k.get("nat.refused.connect_over_rate") + k.get("nat.refused.unregistered_sender")
        > k.get("sybil.rdv.connects_sent") / 2, k.toString());
    // Registration caps: a host never holds more than the per-IP cap at one rendezvous, and every
    // honest target that registered without the attack is registered with it.
    assertTrue(k.get("sybil.rdv.registrations_held") > 0, k.toString());
    assertTrue(k.get("sybil.rdv.registrations_max_per_host") <= Rendezvous.Limits.defaults().perIp(), k.toString());
    assertEquals(quiet.get("nat.targets_registered"), k.get("nat.targets_registered"), "honest targets registered");
    // Honest nodes still get their paths.
    assertTrue(k.get("nat.ladder.found") >= quiet.get("nat.ladder.found") - 1,
        "direct paths " + k.get("nat.ladder.found") + " under attack vs " + quiet.get("nat.ladder.found"));
    // No amplification: honest bytes to the attackers and the victim <= the attackers' bytes.
    assertTrue(k.get("sybil.rdv.amplification_permille") <= 1000, k.toString());
    assertTrue(k.get("sybil.rdv.victim_permille") <= 1000, k.toString());
  }

  /**
   * Focused: 5 hosts (each a /24) flood the one rendezvous of the first registered target, pair 0's
   * (seed 1), so that its responder sessions would be theirs (4 per IP: 4 hosts fill all 16). With
   * relays off the punch itself is measured: it failed with NO_ANSWER while the Sybils could hold
   * every session; with the sessions shared per initiator /24 it punches.
   */
  @Test
  void aTargetWhoseRendezvousSybilsFloodStillPunches() {
    RunResult r = result(WORLD.with("seed", "1").with("nat.sybils", "5").with("nat.sybil.focus", "true")
        .with("nat.relays", "false"));
    Map<String, Long> k = r.counters();
    assertTrue(k.get("sybil.rdv.accepts") > 100, "the target answered the flood: " + k);
    assertTrue(k.get("nat.refused.evicted_session") > 0, k.toString());
    assertEquals(Connects.Outcome.DIRECT, r.connects().outcome(0), "pair 0, the focused target's");
    assertTrue(k.get("sybil.rdv.amplification_permille") <= 1000, k.toString());
    assertTrue(k.get("sybil.rdv.victim_permille") <= 1000, k.toString());
  }

  private static Map<String, Long> run(Scenario s) {
    return result(s).counters();
  }

  private static RunResult result(Scenario s) {
    return new Simulation(s, new Progress(new PrintStream(OutputStream.nullOutputStream()), false)).run();
  }
}
