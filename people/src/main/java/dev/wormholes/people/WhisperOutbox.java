package dev.wormholes.people;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * When a whisper's sender tries again: the retry schedule of the outbox, on handed-in Unix
 * milliseconds. A queued whisper is due at once; after a failed attempt it is due again after
 * {@link #RETRY_FIRST_MS}, doubling up to {@link #RETRY_MAX_MS}; a failure more than {@link
 * #TTL_MS} after its creation expires it. An answer that the recipient stored it delivers it; an
 * answer that retrying cannot change refuses it. At most {@link #IN_FLIGHT} attempts the schedule
 * starts ({@link #pollDue}) run at once; one the sender starts itself ({@link #begin}, the first
 * send) is not held back. Only waiting whispers are tracked: a finished one is forgotten. Not
 * thread-safe.
 */
public final class WhisperOutbox {
  /** How long an undelivered whisper is retried. */
  public static final long TTL_MS = 7L * 24 * 3600_000;
  /** Wait after the first failed attempt. */
  public static final long RETRY_FIRST_MS = 2_000;
  /** Longest wait between attempts. */
  public static final long RETRY_MAX_MS = 30_000;
  /** Attempts the schedule keeps running at once at most. */
  public static final int IN_FLIGHT = 4;

  /** How one attempt ended. */
  public enum Outcome {
    /** The recipient stored it. */
    STORED,
    /** The recipient refused it for a reason a retry cannot change. */
    REFUSED,
    /** No answer, or one that a later attempt may change (unreachable, timed out, rate limited). */
    FAILED
  }

  /**
   * What a recipient answers to one whisper; the ordinal is the answer's byte on the wire (an
   * unknown byte reads as {@link #MALFORMED}).
   */
  public enum Answer {
    /** Stored (or held already: a duplicate); the sender is done. */
    STORED,
    /** The sender is not a device of an accepted contact. */
    NOT_CONTACT,
    /** Too many whispers from this sender lately: try later. */
    RATE_LIMITED,
    /** Not a well-formed, well-signed whisper, or its key is not the stream's peer. */
    MALFORMED,
    /** Addressed to another node. */
    WRONG_RECIPIENT;

    /** Return the answer whose wire byte is {@code b}. */
    public static Answer of(int b) {
      return b >= 0 && b < values().length ? values()[b] : MALFORMED;
    }
  }

  /**
   * Return what answer {@code a} (null: none came, the attempt failed or timed out) makes of an
   * attempt: stored ends it; a rate limit or no answer is worth a retry, since a later attempt may
   * be let in or reach the recipient; every other answer would be the same next time, so the
   * whisper is refused.
   */
  public static Outcome outcomeOf(Answer a) {
    if (a == Answer.STORED) {
      return Outcome.STORED;
    }
    return a == null || a == Answer.RATE_LIMITED ? Outcome.FAILED : Outcome.REFUSED;
  }

  /**
   * Return whether an attempt at a whisper to a person goes on to the person's next device after
   * one answered {@code a} (null: no answer, unreachable or timed out): unless that device stored it
   * or found it malformed (as every device would). Another device may be online, counts its own
   * rate, may hold the sender as a contact (a contact accepted on one device is not copied to the
   * others) or may still be a device of the persona.
   */
  public static boolean tryNextDevice(Answer a) {
    return a != Answer.STORED && a != Answer.MALFORMED;
  }

  /**
   * Return the answer of one attempt over a person's devices from the answers of the devices tried,
   * in order (null: that device gave none): stored if one stored it; else none (null) if a device gave
   * none, or a rate limit if one gave that, since a later attempt may reach that device or be let in;
   * else the first device's refusal. {@link #outcomeOf} of it is the attempt's outcome.
   */
  public static Answer answerOfDevices(List<Answer> answers) {
    if (answers.contains(Answer.STORED)) {
      return Answer.STORED;
    }
    if (answers.isEmpty() || answers.stream().anyMatch(java.util.Objects::isNull)) {
      return null;
    }
    return answers.contains(Answer.RATE_LIMITED) ? Answer.RATE_LIMITED : answers.get(0);
  }

  /** What becomes of a whisper after an attempt. */
  public enum Next {
    DELIVERED, REFUSED, EXPIRED,
    /** Still waiting; due again at {@link #dueMs}. */
    RETRY
  }

  private static final class Entry {
    final long createdAtMs;
    int attempts;
    long dueMs;
    boolean inFlight;

    Entry(long createdAtMs, int attempts, long dueMs) {
      this.createdAtMs = createdAtMs;
      this.attempts = attempts;
      this.dueMs = dueMs;
    }
  }

  // Waiting whispers by id, in the order they were added.
  private final Map<String, Entry> waiting = new LinkedHashMap<>();

  /** Track waiting whisper {@code id}, created at {@code createdAtMs} after {@code attempts} attempts, due at {@code dueMs}. */
  public void add(String id, long createdAtMs, int attempts, long dueMs) {
    waiting.putIfAbsent(id, new Entry(createdAtMs, attempts, dueMs));
  }

  /** Start an attempt of {@code id} now, whatever its due time; false if it is not waiting or one runs. */
  public boolean begin(String id) {
    Entry e = waiting.get(id);
    if (e == null || e.inFlight) {
      return false;
    }
    e.inFlight = true;
    return true;
  }

  /** Return the whispers whose attempt is due at {@code nowMs}, oldest first, each now in flight; at most {@link #IN_FLIGHT} run. */
  public List<String> pollDue(long nowMs) {
    int running = (int) waiting.values().stream().filter(e -> e.inFlight).count();
    List<String> due = new ArrayList<>();
    for (Map.Entry<String, Entry> e : waiting.entrySet()) {
      if (running >= IN_FLIGHT) {
        break;
      }
      if (!e.getValue().inFlight && e.getValue().dueMs <= nowMs) {
        e.getValue().inFlight = true;
        due.add(e.getKey());
        running++;
      }
    }
    return due;
  }

  /**
   * The attempt of {@code id} ended with {@code outcome} at {@code nowMs}: return what becomes of
   * it (empty if {@code id} is not waiting); finished whispers are forgotten.
   */
  public java.util.Optional<Next> handleOutcome(String id, Outcome outcome, long nowMs) {
    Entry e = waiting.get(id);
    if (e == null) {
      return java.util.Optional.empty();
    }
    e.inFlight = false;
    e.attempts++;
    Next next;
    if (outcome == Outcome.STORED) {
      next = Next.DELIVERED;
    } else if (outcome == Outcome.REFUSED) {
      next = Next.REFUSED;
    } else if (nowMs - e.createdAtMs > TTL_MS) {
      next = Next.EXPIRED;
    } else {
      e.dueMs = nowMs + backoff(e.attempts);
      return java.util.Optional.of(Next.RETRY);
    }
    waiting.remove(id);
    return java.util.Optional.of(next);
  }

  /** Return the wait after {@code attempts} failed attempts: {@link #RETRY_FIRST_MS} doubling up to {@link #RETRY_MAX_MS}. */
  static long backoff(int attempts) {
    return Math.min(RETRY_MAX_MS, RETRY_FIRST_MS << Math.min(Math.max(attempts, 1) - 1, 10));
  }

  /** Return the attempts made of waiting whisper {@code id}, or -1 if it is not waiting. */
  public int attempts(String id) {
    Entry e = waiting.get(id);
    return e == null ? -1 : e.attempts;
  }

  /** Return when waiting whisper {@code id} is due, if it is waiting. */
  public OptionalLong dueMs(String id) {
    Entry e = waiting.get(id);
    return e == null ? OptionalLong.empty() : OptionalLong.of(e.dueMs);
  }

  /** Return how many whispers wait. */
  public int size() {
    return waiting.size();
  }
}
