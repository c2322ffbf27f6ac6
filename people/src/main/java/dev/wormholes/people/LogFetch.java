package dev.wormholes.people;

import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.StoredValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The fetch of a key log from a device's items ({@link LogItems}) once a presence record, a beacon
 * or a device list names a head: whether a head is worth fetching ({@link #wants}), which items to
 * GET and when, when the items found make a log to hand on, and what a missing item costs.
 *
 * <p>The rules: a head is fetched when it is past the held log or conflicts with it. Every item
 * not held is asked at once: from the held log's end when the head is past it (the held events
 * are the log's start), from seq 0 otherwise. A GET that finds nothing, or something that is not
 * the device's item for that seq, is asked again after {@link #RETRY_MS}, then twice that, at
 * most {@link #TRIES} times in all; then the fetch ends {@link Missing}. Only a few items of a log
 * that otherwise exists are asked again: a missing inception (seq 0: the device holds no log there)
 * and a missing item past the first {@link #RETRIED_ITEMS} missing ones end the fetch {@link
 * Missing} at once, so a claimed head over a log nobody published costs one GET per item, not
 * {@link #TRIES}. A fetch may be given a most number of GETs in all ({@link #LogFetch(byte[], long,
 * Optional, long, int)}); an item it may not ask any more ends it {@link Missing}. Once every item is in, the
 * log is verified: a valid one ends {@link Adopt} (trust on first use judges it next); a suffix
 * that does not extend the held events (the device holds another log) makes the fetch ask the
 * items before it too, and a full log that does not verify ends {@link Refused}.
 *
 * <p>Pure: time is handed in (milliseconds on any monotonic clock). The driver GETs {@link
 * #key}{@code (seq)} for each seq {@link #pollGets} returns, hands each answer to {@link
 * #handleItem}, calls {@link #pollGets} again at {@link #nextWake} while nothing is in flight, and
 * stops once {@link #outcome} is present. Not thread-safe.
 */
public final class LogFetch {
  /** How many times one item is asked before the fetch gives up. */
  public static final int TRIES = 3;
  /** The wait before a missing item is asked again; each next wait doubles. */
  public static final long RETRY_MS = 2_000;
  /**
   * How many missing items of one fetch are asked again: an item published a moment ago may not be
   * found at once, a log with more items missing than this is not there.
   */
  public static final int RETRIED_ITEMS = 4;
  /** The most GETs one fetch makes: every item of the longest log, and the retries of the few. */
  public static final int MOST_GETS = KeyLog.MAX_EVENTS + RETRIED_ITEMS * (TRIES - 1);

  /** How a fetch ended. */
  public sealed interface Outcome {}

  /** The items make a valid log (its head may be any the device's items reach to). */
  public record Adopt(KeyLog log) implements Outcome {}

  /** The item at {@code seq} was not found in {@link #TRIES} GETs. */
  public record Missing(long seq) implements Outcome {}

  /** The items make no valid log: why, and at which seq. */
  public record Refused(LogFailure failure, long seq) implements Outcome {}

  private final byte[] deviceKey;
  private final KeyLog held;
  private final int last;
  private final byte[][] events;
  private final int[] tries;
  private final long[] dueAt;
  private final boolean[] asked;
  private final int maxGets;
  private int from;
  private int inFlight;
  private int gets;
  private int missed;
  private Outcome outcome;

  /**
   * Return whether a head {@code seen} of the persona of {@code held} is worth fetching: it is past
   * the held log, or another event than the held one at its seq.
   */
  public static boolean wants(KeyLog held, LogHead seen) {
    LogItems.Standing st = LogItems.standing(held, seen);
    return st == LogItems.Standing.NEWER || st == LogItems.Standing.CONFLICT;
  }

  /**
   * Fetch the log up to {@code seq} (capped at {@link KeyLog#MAX_EVENTS}{@code - 1}) from the items
   * of the device with {@code deviceKey}, holding {@code held} of that persona (or nothing).
   */
  public LogFetch(byte[] deviceKey, long seq, Optional<KeyLog> held, long now) {
    this(deviceKey, seq, held, now, MOST_GETS);
  }

  /** Like the other constructor, making at most {@code maxGets} GETs in all. */
  public LogFetch(byte[] deviceKey, long seq, Optional<KeyLog> held, long now, int maxGets) {
    this.maxGets = maxGets;
    this.deviceKey = deviceKey.clone();
    this.held = held.orElse(null);
    this.last = (int) Math.max(0, Math.min(seq, KeyLog.MAX_EVENTS - 1));
    this.events = new byte[last + 1][];
    this.tries = new int[last + 1];
    this.dueAt = new long[last + 1];
    this.asked = new boolean[last + 1];
    Arrays.fill(dueAt, now);
    this.from = this.held != null && this.held.size() <= last ? this.held.size() : 0;
  }

  /** Return the DHT key of the item at {@code seq}. */
  public NodeId key(long seq) {
    return LogItems.key(deviceKey, seq);
  }

  /** Return the seqs whose items are to be asked now (each counts as asked and in flight). */
  public List<Long> pollGets(long now) {
    List<Long> out = new ArrayList<>();
    if (outcome != null) {
      return out;
    }
    for (int s = from; s <= last; s++) {
      if (events[s] == null && !asked[s] && dueAt[s] <= now) {
        out.add((long) s);
      }
    }
    if (out.size() > maxGets - gets) {
      outcome = new Missing(out.get(maxGets - gets)); // an item it may not ask: no log can come of it
      return List.of();
    }
    for (long s : out) {
      asked[(int) s] = true;
      tries[(int) s]++;
    }
    gets += out.size();
    inFlight += out.size();
    return out;
  }

  /**
   * The GET of the item at {@code seq} answered {@code value} (empty: nothing found, or the GET
   * failed). Answers to items not in flight are ignored.
   */
  public void handleItem(long seq, Optional<StoredValue> value, long now) {
    if (outcome != null || seq < 0 || seq > last || !asked[(int) seq]) {
      return;
    }
    int s = (int) seq;
    asked[s] = false;
    inFlight--;
    Optional<byte[]> event = value.flatMap(v -> LogItems.event(v, deviceKey, seq));
    if (event.isEmpty()) {
      if (tries[s] == 1 && (s == 0 || ++missed > RETRIED_ITEMS) || tries[s] >= TRIES) {
        outcome = new Missing(seq);
      } else {
        dueAt[s] = now + (RETRY_MS << (tries[s] - 1));
      }
      return;
    }
    events[s] = event.get();
    for (int k = from; k <= last; k++) {
      if (events[k] == null) {
        return;
      }
    }
    judge(now);
  }

  private void judge(long now) {
    List<byte[]> log = new ArrayList<>(last + 1);
    for (int k = 0; k < from; k++) {
      log.add(held.event(k));
    }
    for (int k = from; k <= last; k++) {
      log.add(events[k]);
    }
    LogResult r = KeyLog.verify(log);
    if (r instanceof LogResult.Valid v) {
      outcome = new Adopt(v.log());
    } else if (from > 0) {
      from = 0; // the device holds another log than the held one: its own items from the start
      for (int k = 0; k <= last; k++) {
        dueAt[k] = Math.min(dueAt[k], now);
      }
    } else {
      LogResult.Invalid bad = (LogResult.Invalid) r;
      outcome = new Refused(bad.failure(), bad.seq());
    }
  }

  /** Return how many GETs the fetch asked for in all. */
  public int gets() {
    return gets;
  }

  /** Return how many GETs are in flight. */
  public int inFlight() {
    return inFlight;
  }

  /** Return when an item is next due to be asked again, or {@link Long#MAX_VALUE} when none waits. */
  public long nextWake() {
    long at = Long.MAX_VALUE;
    if (outcome == null) {
      for (int s = from; s <= last; s++) {
        if (events[s] == null && !asked[s]) {
          at = Math.min(at, dueAt[s]);
        }
      }
    }
    return at;
  }

  /** Return how the fetch ended, or empty while it runs. */
  public Optional<Outcome> outcome() {
    return Optional.ofNullable(outcome);
  }

  /** Return the log the fetch ended with, or empty while it runs or when it ended without one. */
  public Optional<KeyLog> log() {
    return outcome instanceof Adopt a ? Optional.of(a.log()) : Optional.empty();
  }
}
