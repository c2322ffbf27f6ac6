package dev.wormholes.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.people.WhisperOutbox;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Whispers through a lossy network with churn, decided by the daemon's people engines: the
 * sender's {@link WhisperOutbox} retries what a dead or silent recipient did not acknowledge, the
 * recipient's {@code WhisperIntake} acknowledges a whisper it already holds without storing it
 * again. Every whisper ends delivered (or still waiting on a recipient that is away), none is
 * stored twice, and whispers that needed a retry took at least the attempt timeout plus the
 * outbox's first wait.
 */
class WhisperWorkloadTest {
  private static Map<String, Long> run(String... extra) {
    Scenario s = Scenario.defaults().parse(String.join("\n",
        "nodes = 120",
        "loss = 0.1",
        "lookups = 0",
        "lookup.start_s = 10",
        "lookup.window_s = 10",
        "drain_s = 600",
        "churn = exponential:mean_s=300",
        "churn.downtime = exponential:mean_s=60",
        "whisper.pairs = 40",
        "whisper.per_pair = 5",
        "whisper.start_s = 20",
        "whisper.window_s = 120",
        String.join("\n", extra),
        ""), "whispers");
    return new Simulation(s, new Progress(new PrintStream(OutputStream.nullOutputStream()), false)).run().counters();
  }

  /**
   * With mailbox friends (people.Mailbox, the daemon's engine) whispers also reach recipients
   * through the mailbox, each still stored once whichever copy comes first, and mailboxes are
   * emptied by the owners' acknowledgements.
   */
  @Test
  void throughMailboxFriendsWhispersStillArriveOnce() {
    Map<String, Long> k = run("whisper.mailbox = 1");
    System.out.println("WhisperWorkloadTest mailbox " + k.entrySet().stream()
        .filter(e -> e.getKey().startsWith("whisper.")).map(Object::toString).toList());
    assertEquals(k.get("whisper.stored"), k.get("whisper.taken"), "no whisper taken twice: " + k);
    assertTrue(k.get("whisper.stored") <= k.get("whisper.queued"), k.toString());
    assertTrue(k.get("whisper.mailbox_deposits") > 0 && k.get("whisper.mailbox_taken") > 0,
        "some whispers reached their recipients through the mailbox: " + k);
    assertTrue(k.get("whisper.delivered") >= k.get("whisper.queued") * 98 / 100, "the senders' retries go on: " + k);
    // A blob stays only while its acknowledgement was lost or an end is away at the run's end.
    assertTrue(k.get("whisper.mailbox_held_at_end") * 4 <= k.get("whisper.mailbox_deposits"),
        "the owners' acknowledgements empty the mailboxes: " + k);
  }

  @Test
  void whispersArriveOnceDespiteLossAndChurn() {
    Map<String, Long> k = run();
    System.out.println("WhisperWorkloadTest " + k.entrySet().stream().filter(e -> e.getKey().startsWith("whisper."))
        .map(Object::toString).toList());
    long queued = k.get("whisper.queued");
    long delivered = k.get("whisper.delivered");
    assertEquals(200, queued);
    assertEquals(queued, delivered + k.get("whisper.waiting_at_end"), "every whisper is delivered or still waiting: " + k);
    assertTrue(delivered >= queued * 98 / 100, "retries deliver despite loss and churn: " + k);
    assertEquals(k.get("whisper.stored"), k.get("whisper.taken"), "no whisper taken twice: " + k);
    assertTrue(k.get("whisper.stored") >= delivered, "every delivered whisper is held by its recipient: " + k);
    assertTrue(k.get("whisper.attempts_timed_out") > 0 && k.get("whisper.attempts") > queued, "some attempts failed: " + k);
    assertTrue(k.get("whisper.held_acknowledged") > 0, "a whisper held already is acknowledged again: " + k);
    assertTrue(k.get("whisper.delivery_ms_max") >= WhisperWorkload.ATTEMPT_TIMEOUT_MS + WhisperOutbox.RETRY_FIRST_MS,
        "a retried whisper waits the attempt out and then the outbox's first wait: " + k);
  }
}
