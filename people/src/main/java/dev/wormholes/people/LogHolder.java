package dev.wormholes.people;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What a node holds of one persona's key log: the highest valid log it has seen, and evidence of
 * duplicity. A log offered later replaces the held one only if it extends it (same events up to
 * the held head, and more); a log that is shorter changes nothing; a log with another event at a
 * seq already held is duplicity: both events are kept as evidence, and the held log stays.
 */
public final class LogHolder {
  /** Most pieces of duplicity evidence kept per persona. */
  public static final int MAX_EVIDENCE = 4;

  /** What an offer did. */
  public enum Outcome {
    /** The first log held for this persona. */
    ADOPTED,
    /** The offered log extends the held one and replaces it. */
    EXTENDED,
    /** The offered log is the held one. */
    UNCHANGED,
    /** The offered log is a prefix of the held one (stale); nothing changed. */
    OLDER,
    /** The offered log has another event at a held seq: kept as evidence, not as an update. */
    DUPLICITY,
    /** The offered log does not verify (see the failure). */
    INVALID,
    /** The offered log is of another persona. */
    WRONG_PERSONA
  }

  /** The outcome of one offer, with the failure when INVALID. */
  public record Offer(Outcome outcome, Optional<LogFailure> failure) {
    static Offer of(Outcome o) {
      return new Offer(o, Optional.empty());
    }
  }

  /** Two different events signed for one seq of one persona. */
  public record Duplicity(long seq, byte[] held, byte[] conflicting) {}

  private final PersonaId persona;
  private KeyLog held;
  private final List<Duplicity> evidence = new ArrayList<>();

  /** Hold nothing yet for {@code persona}. */
  public LogHolder(PersonaId persona) {
    this.persona = persona;
  }

  /** Hold {@code log} (already verified) from the start. */
  public LogHolder(KeyLog log) {
    this.persona = log.state().persona();
    this.held = log;
  }

  /** Offer a {@code KeyLogWire} encoding from a peer. */
  public Offer offer(byte[] encoded) {
    LogResult r = KeyLog.decode(encoded);
    if (r instanceof LogResult.Invalid i) {
      return new Offer(Outcome.INVALID, Optional.of(i.failure()));
    }
    return offer(((LogResult.Valid) r).log());
  }

  /** Offer a verified log. */
  public Offer offer(KeyLog log) {
    if (!log.state().persona().equals(persona)) {
      return Offer.of(Outcome.WRONG_PERSONA);
    }
    if (held == null) {
      held = log;
      return Offer.of(Outcome.ADOPTED);
    }
    int common = Math.min(held.size(), log.size());
    for (int seq = 0; seq < common; seq++) {
      byte[] mine = held.event(seq);
      byte[] theirs = log.event(seq);
      if (!Arrays.equals(KeyLog.digest(mine), KeyLog.digest(theirs))) {
        if (evidence.size() < MAX_EVIDENCE) {
          evidence.add(new Duplicity(seq, mine, theirs));
        }
        return Offer.of(Outcome.DUPLICITY);
      }
    }
    if (log.size() > held.size()) {
      held = log;
      return Offer.of(Outcome.EXTENDED);
    }
    return Offer.of(log.size() == held.size() ? Outcome.UNCHANGED : Outcome.OLDER);
  }

  /** Return the persona. */
  public PersonaId persona() {
    return persona;
  }

  /** Return the highest valid log held, if any. */
  public Optional<KeyLog> log() {
    return Optional.ofNullable(held);
  }

  /** Return the duplicity evidence kept (at most {@link #MAX_EVIDENCE}). */
  public List<Duplicity> evidence() {
    return List.copyOf(evidence);
  }

  /** Return whether duplicity was ever seen for this persona. */
  public boolean duplicitous() {
    return !evidence.isEmpty();
  }
}
