package dev.wormholes.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Channels through a network that loses, reorders and duplicates messages, with churn and clocks
 * up to a day apart, run by the daemon's channel engines: every post is held by every remaining
 * member that is up at the end, each once and in its author's order; members who join mid-run
 * come to hold the full history; the removed member's posts after the cut are held by nobody, and
 * nothing of the new epoch opens for it.
 */
class ChannelWorkloadTest {
  @Test
  void postsReachEveryMemberAndTheRemovedMemberIsCutOff() {
    Scenario s = Scenario.defaults().parse(String.join("\n",
        "nodes = 30",
        "loss = 0.1",
        "lookups = 0",
        "lookup.start_s = 10",
        "lookup.window_s = 10",
        "drain_s = 120",
        "churn = exponential:mean_s=600",
        "churn.downtime = exponential:mean_s=30",
        "channel.count = 3",
        "channel.members = 5",
        "channel.joiners = 2",
        "channel.posts = 3",
        "channel.start_s = 20",
        "channel.window_s = 40",
        "channel.remove_at_s = 30",
        "channel.duplicate = 0.2",
        "channel.reorder_ms = 3000",
        "channel.skew_s = 86400",
        ""), "channels");
    RunResult r = new Simulation(s, new Progress(new PrintStream(OutputStream.nullOutputStream()), false)).run();
    Map<String, Long> k = r.counters();
    System.out.println("ChannelWorkloadTest " + k.entrySet().stream().filter(e -> e.getKey().startsWith("channel."))
        .map(Object::toString).toList());
    long due = k.get("channel.posts_due");
    assertTrue(due >= 3 * 4 * 3 / 2, "members posted: " + k);
    assertEquals(0, k.get("channel.deliveries_missing_at_online"), "every member that is up holds every post: " + k);
    assertTrue(k.get("channel.posts_delivered_to_all") >= due * 9 / 10, "posts reach every member: " + k);
    assertTrue(k.get("channel.delivery_ms_p50") > 0, "delivery takes time: " + k);
    assertEquals(0, k.get("channel.accepted_after_cut"), "no post of the removed member after the cut is held: " + k);
    assertEquals(0, k.get("channel.removed_read_new_epoch"), "the removed member reads nothing of the new epoch: " + k);
    assertTrue(k.get("channel.posts_after_cut_made") + k.get("channel.posts_refused") > 0,
        "removed members tried to post after the cut: " + k);
    assertEquals(6, k.get("channel.joiners"), "two joiners a channel: " + k);
    assertEquals(k.get("channel.joiners"), k.get("channel.joiners_caught_up"), "every joiner holds the history: " + k);
    assertEquals(0, k.get("channel.joiners_behind_at_online"), "joiners up at the end hold every post: " + k);
    assertTrue(k.get("channel.join_history_ms_p50") > 0, "catching up takes time: " + k);
    assertEquals(0, k.get("channel.duplicates_held"), "no post held twice: " + k);
    assertEquals(0, k.get("channel.order_broken"), "each author's posts in order: " + k);
    assertEquals(0, k.get("channel.unreadable_by_members"), "members read every post: " + k);
    assertTrue(k.get("channel.messages_lost") > 0 && k.get("channel.copies_sent") > k.get("channel.syncs_sent")
        + k.get("channel.answers_sent"), "the network lost and duplicated messages: " + k);
  }
}
