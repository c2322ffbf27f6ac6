package dev.wormholes.people;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * Contact requests from strangers: a request is kept as a pending-in contact (it gets no access
 * until the person approves it), within limits that a flood cannot pass: {@link #PER_SOURCE_BURST}
 * requests per source (an IP address, or an IPv6 /64, as the driver names it) then one per
 * {@link #PER_SOURCE_SECONDS}; {@link #ALL_BURST} from everybody then one per {@link
 * #ALL_SECONDS}; at most {@link #MAX_PENDING_IN} waiting. The rate is checked before the
 * requester's log is verified. Refusals are counted. Time in Unix seconds, handed in.
 */
public final class ContactRequests {
  /** Most pending-in requests kept. */
  public static final int MAX_PENDING_IN = 64;
  /** Requests a source may make at once. */
  public static final int PER_SOURCE_BURST = 3;
  /** Seconds per further request of one source. */
  public static final int PER_SOURCE_SECONDS = 600;
  /** Requests everybody together may make at once. */
  public static final int ALL_BURST = 20;
  /** Seconds per further request from everybody. */
  public static final int ALL_SECONDS = 10;
  /** Most characters of a request's message. */
  public static final int MAX_MESSAGE = 280;

  /** Why a request was refused. */
  public enum Refusal {
    /** The source, or everybody, asked too often. */
    RATE_LIMITED,
    /** {@link #MAX_PENDING_IN} requests wait already. */
    TOO_MANY_PENDING,
    /** The requester's key log does not verify. */
    BAD_LOG,
    /** The requester is this persona. */
    SELF,
    /** The requester is a blocked contact. */
    BLOCKED
  }

  /** The outcome of one request. */
  public sealed interface Outcome {
    /** Kept (or, when both asked each other, accepted): the contact as it is now. */
    record Kept(Contact contact) implements Outcome {}

    /** Refused. */
    record Refused(Refusal refusal) implements Outcome {}
  }

  private SourceLimit limit;
  private final EnumMap<Refusal, Long> refused = new EnumMap<>(Refusal.class);

  /**
   * Judge a request from {@code source} carrying the requester's log {@code encodedLog}, asking to
   * be called {@code hint} with {@code message}, to the persona {@code me}, whose contacts are
   * {@code book} (changed here when the request is kept), at {@code now}.
   */
  public Outcome offer(ContactBook book, PersonaId me, String source, byte[] encodedLog, String hint,
      String message, long now) {
    if (limit == null) {
      limit = new SourceLimit(PER_SOURCE_BURST, PER_SOURCE_SECONDS, ALL_BURST, ALL_SECONDS, now);
    }
    if (!limit.take(source, now)) {
      return refuse(Refusal.RATE_LIMITED);
    }
    if (!(KeyLog.decode(encodedLog) instanceof LogResult.Valid v)) {
      return refuse(Refusal.BAD_LOG);
    }
    KeyLog log = v.log();
    if (log.state().persona().equals(me)) {
      return refuse(Refusal.SELF);
    }
    String text = "request" + (message.isBlank() ? "" : ": " + clip(message));
    Optional<Contact> known = book.byPersona(log.state().persona());
    if (known.isPresent()) {
      Contact c = known.get();
      switch (c.state()) {
        case BLOCKED -> {
          return refuse(Refusal.BLOCKED);
        }
        case PENDING_OUT -> {
          book.observeLog(log);
          return new Outcome.Kept(((ContactBook.Edit.Done) book.accept(c.petname())).contact());
        }
        default -> {
          book.observeLog(log);
          return new Outcome.Kept(book.byPersona(c.persona()).orElseThrow());
        }
      }
    }
    long pending = book.all().stream().filter(c -> c.state() == ContactState.PENDING_IN).count();
    if (pending >= MAX_PENDING_IN) {
      return refuse(Refusal.TOO_MANY_PENDING);
    }
    Contact c = new Contact(book.freePetname(hint), log, false, ContactState.PENDING_IN, now, text,
        Optional.empty());
    if (book.add(c) instanceof ContactBook.Edit.Refused) {
      return refuse(Refusal.TOO_MANY_PENDING);
    }
    return new Outcome.Kept(c);
  }

  /** Return the counts of refusals by reason. */
  public Map<Refusal, Long> refusals() {
    return new EnumMap<>(refused);
  }

  private Outcome refuse(Refusal r) {
    refused.merge(r, 1L, Long::sum);
    return new Outcome.Refused(r);
  }

  private static String clip(String s) {
    String t = s.replaceAll("\\p{Cntrl}", " ").strip();
    return t.length() <= MAX_MESSAGE ? t : t.substring(0, MAX_MESSAGE);
  }
}
