package dev.wormholes.people;

import dev.wormholes.proto.NodeId;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Who may whisper to this node, on handed-in Unix milliseconds: a decoded whisper is taken only if
 * it is signed by the stream's proven peer, addressed to this node or to the persona this node is
 * a device of (so whichever device of a person answers takes a whisper to the person), sent from a
 * device of an accepted contact, and within {@link #PER_SENDER_PER_MINUTE} in the current minute from that
 * device; one already held is acknowledged again without counting. Refusals are counted by reason
 * ({@link #refused()}, reasons in lower case: {@code key_not_peer}, {@code wrong_recipient}, {@code
 * not_contact}, {@code rate_limited}, and the decoder's failures handed to {@link #malformed}).
 * Memory: the per-minute counts of at most {@link #RATE_SLOTS} sending devices (beyond, the
 * counts of earlier minutes are dropped, and a new device is refused while all are current). Not
 * thread-safe.
 */
public final class WhisperIntake {
  /** Whispers taken from one sending device per minute at most. */
  public static final int PER_SENDER_PER_MINUTE = 30;
  /** Sending devices whose per-minute counts are tracked at most. */
  public static final int RATE_SLOTS = 1024;

  /** The decision on one whisper. */
  public enum Verdict {
    /** Store it, then acknowledge. */
    TAKE,
    /** Held already (a retry after a lost acknowledgement): acknowledge, store nothing. */
    HELD,
    KEY_NOT_PEER, WRONG_RECIPIENT, NOT_CONTACT, RATE_LIMITED;

    /** Return whether the whisper is acknowledged as stored. */
    public boolean stored() {
      return this == TAKE || this == HELD;
    }

    /** Return the answer the sender gets ({@code TAKE} once the whisper is stored). */
    public WhisperOutbox.Answer answer() {
      return switch (this) {
        case TAKE, HELD -> WhisperOutbox.Answer.STORED;
        case KEY_NOT_PEER -> WhisperOutbox.Answer.MALFORMED;
        case WRONG_RECIPIENT -> WhisperOutbox.Answer.WRONG_RECIPIENT;
        case NOT_CONTACT -> WhisperOutbox.Answer.NOT_CONTACT;
        case RATE_LIMITED -> WhisperOutbox.Answer.RATE_LIMITED;
      };
    }
  }

  private final NodeId self;
  private final Map<NodeId, long[]> minute = new HashMap<>(); // {minute number, count}
  private final TreeMap<String, Long> refused = new TreeMap<>();

  /** Judge whispers for the node {@code self}. */
  public WhisperIntake(NodeId self) {
    this.self = self;
  }

  /** {@link #judge(NodeId, NodeId, NodeId, PersonaId, boolean, boolean, long)} for a node that speaks for no persona. */
  public Verdict judge(NodeId peer, NodeId sender, NodeId recipient, boolean acceptedContact, boolean held, long nowMs) {
    return judge(peer, sender, recipient, null, acceptedContact, held, nowMs);
  }

  /**
   * Judge a whisper signed by {@code sender}, addressed to {@code recipient}, arriving on a stream
   * from proven peer {@code peer} at {@code nowMs}; {@code persona}: the persona whose key log lists
   * this node as a device now (null: none, and only whispers to this node are taken); {@code
   * acceptedContact}: {@code peer} is a device of an accepted contact; {@code held}: its id is in
   * the inbox already.
   */
  public Verdict judge(NodeId peer, NodeId sender, NodeId recipient, PersonaId persona, boolean acceptedContact,
      boolean held, long nowMs) {
    Verdict v;
    if (!sender.equals(peer)) {
      v = Verdict.KEY_NOT_PEER;
    } else if (!recipient.equals(self) && (persona == null || !recipient.equals(persona.value()))) {
      v = Verdict.WRONG_RECIPIENT;
    } else if (!acceptedContact) {
      v = Verdict.NOT_CONTACT;
    } else if (held) {
      return Verdict.HELD;
    } else if (!withinRate(peer, nowMs)) {
      v = Verdict.RATE_LIMITED;
    } else {
      return Verdict.TAKE;
    }
    count(v.name());
    return v;
  }

  /** Count a whisper the decoder refused for {@code failure}. */
  public void malformed(String failure) {
    count(failure);
  }

  private void count(String reason) {
    refused.merge(reason.toLowerCase(Locale.ROOT), 1L, Long::sum);
  }

  private boolean withinRate(NodeId peer, long nowMs) {
    long m = nowMs / 60_000;
    if (minute.size() >= RATE_SLOTS && !minute.containsKey(peer)) {
      minute.values().removeIf(c -> c[0] != m);
      if (minute.size() >= RATE_SLOTS) {
        return false;
      }
    }
    long[] c = minute.computeIfAbsent(peer, k -> new long[] {m, 0});
    if (c[0] != m) {
      c[0] = m;
      c[1] = 0;
    }
    return ++c[1] <= PER_SENDER_PER_MINUTE;
  }

  /** Return the refusals counted so far, by reason. */
  public Map<String, Long> refused() {
    return Map.copyOf(refused);
  }
}
