package dev.wormholes.people;

import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * When a node reads its contacts' presence records for new key-log heads, whose it reads, and
 * when it publishes its own log's events again; on handed-in Unix seconds. The first {@link
 * #EARLY_ROUNDS} rounds come every {@link #EARLY_SECONDS} from the start (after a start the DHT
 * may not answer yet), then one every poll interval after the previous. A round reads at most
 * {@link #CONTACTS_PER_ROUND} accepted contacts, continuing round-robin where the last stopped
 * ({@link #reads} says whose records, in which order).
 * Each event is published once per {@link #REPUBLISH_SECONDS} (the DHT forgets values after their
 * lifetime). Memory: the ids of events published this period, at most twice {@link
 * KeyLog#MAX_EVENTS} (beyond, an id not remembered is published every time). Whom a changed log
 * is pushed to is {@link #pushTargets}' decision. Not thread-safe.
 */
public final class LogRounds {
  /** Contacts whose devices' records one round reads, at most. */
  public static final int CONTACTS_PER_ROUND = 32;
  /** How often own events are published again. */
  public static final long REPUBLISH_SECONDS = 3600;
  /** Rounds at the start that come every {@link #EARLY_SECONDS}. */
  public static final int EARLY_ROUNDS = 6;
  /** Seconds between the early rounds. */
  public static final long EARLY_SECONDS = 5;

  private final long pollSeconds;
  private long nextRound;
  private long nextRepublish;
  private long rounds;
  private long nextContact;
  private final Set<String> published = new HashSet<>();

  /** Start at {@code now}, reading records every {@code pollSeconds} after the early rounds. */
  public LogRounds(long pollSeconds, long now) {
    this.pollSeconds = pollSeconds;
    this.nextRound = now + EARLY_SECONDS;
    this.nextRepublish = now + REPUBLISH_SECONDS;
  }

  /** Return whether a round is due at {@code now}; if so it counts as run and the next is scheduled. */
  public boolean pollRound(long now) {
    if (now < nextRound) {
      return false;
    }
    rounds++;
    nextRound = now + (rounds < EARLY_ROUNDS ? EARLY_SECONDS : pollSeconds);
    return true;
  }

  /** Return whether own events are to be published again from {@code now} on; if so, {@link #firstPublish} answers true again for each. */
  public boolean pollRepublish(long now) {
    if (now < nextRepublish) {
      return false;
    }
    published.clear();
    nextRepublish = now + REPUBLISH_SECONDS;
    return true;
  }

  /** Return when {@link #pollRound} or {@link #pollRepublish} next has something to do. */
  public long nextWake() {
    return Math.min(nextRound, nextRepublish);
  }

  /** Return the contacts of {@code accepted} this round reads: the next {@link #CONTACTS_PER_ROUND}, round-robin. */
  public <T> List<T> pick(List<T> accepted) {
    int n = Math.min(CONTACTS_PER_ROUND, accepted.size());
    List<T> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(accepted.get((int) (nextContact++ % accepted.size())));
    }
    return out;
  }

  /**
   * The presence records a round reads for one persona: those of {@code devices}, each naming the
   * head that device holds.
   *
   * @param contact the contact they are read for; empty for the reader's own persona
   * @param persona the persona whose log heads the records are to name
   * @param devices the devices whose records are read, in the order of the log read from
   */
  public record Reads<T>(Optional<T> contact, PersonaId persona, List<NodeId> devices) {
    /** Copy {@code devices}. */
    public Reads {
      devices = List.copyOf(devices);
    }
  }

  /**
   * Return whose records the round now due reads, in order: first the reader's own persona (every
   * device of {@code own} but {@code self}), then each of the next contacts of {@code accepted}
   * ({@link #pick}, so the round-robin moves on) with every device of the log held for it, {@code
   * held}. The own persona comes first even with no other device (its {@code devices} empty).
   */
  public <T> List<Reads<T>> reads(KeyState own, NodeId self, List<T> accepted, Function<T, KeyState> held) {
    List<Reads<T>> out = new ArrayList<>();
    List<NodeId> others = own.devices().keySet().stream().filter(d -> !d.equals(self)).toList();
    out.add(new Reads<>(Optional.empty(), own.persona(), others));
    for (T c : pick(accepted)) {
      KeyState s = held.apply(c);
      out.add(new Reads<>(Optional.of(c), s.persona(), List.copyOf(s.devices().keySet())));
    }
    return out;
  }

  /**
   * Return whom a changed log is pushed to, each node once, in this order: every device of {@code
   * own} (the changed log) but {@code self}, then every device of the log held for each of {@code
   * accepted} ({@code held}: the pinned log, not a newer one the node has not judged), then {@code
   * alsoTell} (a node the change concerns that is no longer in the log, such as a device just
   * removed); never {@code self}. Each target gets the push once, all at the change, with no retry
   * and no budget beyond {@link KeyLog#MAX_DEVICES} per log: a target that misses it (away, or the
   * push lost) learns the change from the rounds ({@link #reads}).
   */
  public static <T> List<NodeId> pushTargets(KeyState own, NodeId self, List<T> accepted,
      Function<T, KeyState> held, Collection<NodeId> alsoTell) {
    LinkedHashSet<NodeId> out = new LinkedHashSet<>(own.devices().keySet());
    for (T c : accepted) {
      out.addAll(held.apply(c).devices().keySet());
    }
    out.addAll(alsoTell);
    out.remove(self);
    return List.copyOf(out);
  }

  /** Return whether the event {@code eventId} (seq and digest) is to be published now: the first time in this period. */
  public boolean firstPublish(String eventId) {
    return published.size() < KeyLog.MAX_EVENTS * 2 ? published.add(eventId) : !published.contains(eventId);
  }

  /** Return how many rounds ran. */
  public long rounds() {
    return rounds;
  }
}
