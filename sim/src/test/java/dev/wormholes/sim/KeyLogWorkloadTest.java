package dev.wormholes.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.people.KeyLog;
import dev.wormholes.people.LogRounds;
import dev.wormholes.people.PersonaLookup;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Key logs kept in step through the DHT on the daemon's {@link LogRounds} schedule: persons rotate
 * keys and add and remove devices, each device publishes real presence records naming its head,
 * contacts' devices read them with real DHT GETs and fetch a new head's items as {@code
 * people.LogFetch} decides. With churn, every change is seen by every
 * contact that was online when it was made, by the pull path alone within a few poll intervals;
 * contacts that were away catch up after coming back; and the rounds read each contact's devices
 * about once a poll interval.
 * The push of a changed log ({@link LogRounds#pushTargets}) makes the median sooner than the pull
 * path alone in the same run without pushes.
 */
class KeyLogWorkloadTest {
  private static Map<String, Long> run(boolean push, String... more) {
    Scenario s = Scenario.defaults().parse(String.join("\n",
        "nodes = 40",
        "publish = 0",
        "lookups = 0",
        "lookup.start_s = 10",
        "lookup.window_s = 10",
        "drain_s = 1800",
        "churn = exponential:mean_s=1200",
        "churn.downtime = exponential:mean_s=600",
        "keylog.persons = 10",
        "keylog.devices = 1",
        "keylog.contacts = 3",
        "keylog.poll_s = 300",
        "keylog.change_mean_s = 150",
        "keylog.start_s = 30",
        "keylog.duration_s = 900",
        "keylog.push = " + push,
        String.join("\n", more),
        ""), "keylog");
    RunResult r = new Simulation(s, new Progress(new PrintStream(OutputStream.nullOutputStream()), false)).run();
    Map<String, Long> k = r.counters();
    System.out.println("KeyLogWorkloadTest " + k.entrySet().stream().filter(e -> e.getKey().startsWith("keylog."))
        .map(Object::toString).toList());
    return k;
  }

  @Test
  void contactsSeeNewHeadsThroughTheDht() {
    Map<String, Long> k = run(true);
    long poll = 300_000;
    assertTrue(k.get("keylog.changes") >= 30, "persons changed their logs: " + k);
    assertTrue(k.get("keylog.rotations") > 0 && k.get("keylog.device_adds") > 0 && k.get("keylog.device_removes") > 0,
        "every kind of change: " + k);
    assertTrue(k.get("keylog.fetches_adopted") > 0 && k.get("keylog.item_gets") >= k.get("keylog.fetches"),
        "a new head counts as seen once its items are fetched (people.LogFetch): " + k);
    assertEquals(k.get("keylog.online_pairs"), k.get("keylog.online_pairs_seen"), "every online contact saw every change: " + k);
    assertEquals(1000, k.get("keylog.online_pairs_within_1h_permille"), "all within the hour: " + k);
    assertTrue(k.get("keylog.seen_ms_p50") <= poll, "half within one poll interval: " + k);
    assertTrue(k.get("keylog.offline_pairs_caught_up") > 0, "contacts away at the change caught up: " + k);
    assertTrue(k.get("keylog.catch_up_ms_p50") <= LogRounds.EARLY_ROUNDS * LogRounds.EARLY_SECONDS * 1000 + poll,
        "a comeback reads within its early rounds or the first poll: " + k);
    long perContactHour = k.get("keylog.contact_gets_per_contact_hour_x100");
    assertTrue(perContactHour > 12 * 100 && perContactHour < 4 * 12 * 100,
        "each reading device reads each contact device about once a poll interval (12 an hour): " + k);
    Map<String, Long> pull = run(false);
    assertEquals(k.get("keylog.changes"), pull.get("keylog.changes"), "the same changes with and without pushes");
    assertEquals(pull.get("keylog.online_pairs"), pull.get("keylog.online_pairs_seen"), "the pull alone reaches everyone: " + pull);
    assertTrue(pull.get("keylog.seen_ms_p50") <= poll, "the pull alone: half within one poll interval: " + pull);
    assertTrue(k.get("keylog.pushes_adopted") > 0 && k.get("keylog.seen_ms_p50") < pull.get("keylog.seen_ms_p50"),
        "pushes make contacts see a change sooner than the pull path alone: " + k.get("keylog.seen_ms_p50")
            + " against " + pull.get("keylog.seen_ms_p50") + " ms");
  }

  @Test
  void aLookupByPersonaIdFindsTheCurrentDevicesAndAForgedListCostsAtMostOneLogsGets() {
    Map<String, Long> honest = run(true, "keylog.lookups = 20");
    assertEquals(20, honest.get("keylog.lookups_ended") + honest.get("keylog.lookups_skipped"), "every lookup ended: " + honest);
    assertTrue(honest.get("keylog.lookups_ended") >= 15, "most found a searcher online: " + honest);
    assertTrue(honest.get("keylog.lookups_current") + honest.get("keylog.lookups_older_log") == honest.get("keylog.lookups_ended"),
        "every lookup found a log: " + honest);
    assertTrue(honest.get("keylog.lookup_item_gets_max") <= KeyLog.MAX_EVENTS, "one log's items: " + honest);
    Map<String, Long> forged = run(true, "keylog.lookups = 20", "keylog.lookup_forger = true");
    assertTrue(forged.get("keylog.forged_puts") > 0, "the forger published: " + forged);
    assertTrue(forged.get("keylog.lookup_item_gets_max") >= KeyLog.MAX_EVENTS, "a forged log was fetched: " + forged);
    assertTrue(forged.get("keylog.lookup_item_gets_max") <= PersonaLookup.ITEM_BUDGET, "within the budget: " + forged);
    assertEquals(20, forged.get("keylog.lookups_ended") + forged.get("keylog.lookups_skipped"), "every lookup ended: " + forged);
    assertEquals(forged.get("keylog.lookups_ended"), forged.get("keylog.lookups_current") + forged.get("keylog.lookups_older_log"),
        "the real log is still found (its head is short): " + forged);
  }
}
