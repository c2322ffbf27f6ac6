package dev.wormholes.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Private networks through a lossy network with churn, run by the daemon's networks engines
 * (RosterSync, CatchUp, Keyring, Roster) on a fixed seed: every member that is up and settled at
 * the end holds the last roster, members online at a change hold it within seconds, members away
 * at a change catch up after coming back, and a removed member holds no key of an epoch from its
 * removal on.
 */
class NetworkWorkloadTest {
  @Test
  void everyOnlineMemberConvergesAndARemovedOneHoldsNoLaterEpochKey() {
    Scenario s = Scenario.defaults().parse(String.join("\n",
        "seed = 7",
        "nodes = 80",
        "loss = 0.05",
        "lookups = 0",
        "lookup.start_s = 10",
        "lookup.window_s = 10",
        "drain_s = 400",
        "churn = exponential:mean_s=600",
        "churn.downtime = exponential:mean_s=120",
        "network.count = 5",
        "network.members = 8",
        "network.changes = 4",
        "network.start_s = 30",
        "network.every_s = 120",
        ""), "networks");
    RunResult r = new Simulation(s, new Progress(new PrintStream(OutputStream.nullOutputStream()), false)).run();
    Map<String, Long> k = r.counters();
    System.out.println("NetworkWorkloadTest " + k.entrySet().stream().filter(e -> e.getKey().startsWith("network."))
        .map(Object::toString).toList());
    assertEquals(20, k.get("network.changes"), "four changes in each of five networks: " + k);
    assertEquals(0, k.get("network.behind_settled_online"), "every member up for a minute holds the last roster: " + k);
    assertEquals(0, k.get("network.removed_holding_later_epoch"), "no removed member holds a later epoch key: " + k);
    assertTrue(k.get("network.held_online") > k.get("network.holders_due") / 2, "most members were up at a change: " + k);
    assertTrue(k.get("network.hold_ms_p50") > 0 && k.get("network.hold_ms_p90") < 10_000,
        "members online at a change hold it within seconds: " + k);
    assertTrue(k.get("network.held_after_back") > 0 && k.get("network.catchup_back_ms_p50") > 0,
        "members away at a change caught up after coming back: " + k);
    assertTrue(k.get("network.catchup_back_same_epoch_ms_max") >= 0 && k.get("network.catchup_back_same_epoch_ms_max") < 10_000,
        "a member back after an add gets it from the members it gossips its older roster to: " + k);
    assertTrue(k.get("network.dgrams_ask") > 0 && k.get("network.dgrams_answer") > 0,
        "catch-up asked and answered: " + k);
    assertTrue(k.get("network.removed_with_notice") > 0, "removed members hold the notice: " + k);
    assertTrue(k.get("network.dgrams_lost") > 0, "the network lost datagrams: " + k);
  }
}
