package dev.wormholes.people;

import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.StoredValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * The lookup of a persona's devices by its id alone (a person this node may know nothing of): which
 * devices are candidates, in which order their logs are fetched, and how many item GETs the whole
 * lookup may make.
 *
 * <p>The rules: two DHT values name candidates, the inception under the persona id (its first
 * device) and the device list under {@link LogItems#devicesKey} (a hint anybody can sign). Each
 * candidate's presence record names a head of the persona; the logs are fetched ({@link LogFetch})
 * one at a time, the highest claimed head first, and the first that verifies and is of the persona
 * ends the lookup with its devices in key-log order: nobody without the persona's key makes a log
 * newer than the real one, so an honest lookup fetches one log. The whole lookup makes at most
 * {@link #ITEM_BUDGET} item GETs: one full log's worth ({@link LogFetch#MOST_GETS}), what the
 * longest honest log may cost. A candidate whose claimed head needs more GETs than are left is
 * passed over, and each fetch may spend only what is left. So a forged list naming {@link
 * KeyLog#MAX_DEVICES} devices that claim the longest log costs that, not a log's worth per device;
 * it may spend the budget before the real devices are fetched, and the lookup then ends with the
 * first device alone, as it would if the forger overwrote the list (which anybody can).
 *
 * <p>Pure: time is handed in (milliseconds on any monotonic clock). The driver GETs {@link
 * #inceptionKey} and {@link #listKey} and hands both to {@link #handleValues}, which names the
 * candidates; reads each one's presence record and hands it to {@link #handleRecord}; then GETs
 * what {@link #pollGets} returns, hands each answer to {@link #handleItem}, calls {@link #pollGets}
 * again at {@link #nextWake} while nothing is in flight, and stops once {@link #outcome} is present.
 * Not thread-safe.
 */
public final class PersonaLookup {
  /** The most item GETs one lookup makes, over all its candidates. */
  public static final int ITEM_BUDGET = LogFetch.MOST_GETS;

  /** One item GET of the lookup: of its {@code fetch}-th log fetch, the item at {@code seq}, under {@code key}. */
  public record Get(int fetch, long seq, NodeId key) {}

  /** A candidate's claimed head and its device key (where its items are). */
  private record Claim(byte[] deviceKey, long seq) {}

  private final PersonaId persona;
  private List<NodeId> candidates;
  private List<NodeId> first = List.of();
  private final List<Claim> claims = new ArrayList<>();
  private int records;
  private int next;
  private int fetches;
  private LogFetch fetch;
  private int spent;
  private List<NodeId> outcome;
  private boolean found;

  /** Look up the devices of {@code persona}. */
  public PersonaLookup(PersonaId persona) {
    this.persona = persona;
  }

  /** Return the DHT key of the inception (the persona id). */
  public NodeId inceptionKey() {
    return persona.value();
  }

  /** Return the DHT key of the device list. */
  public NodeId listKey() {
    return LogItems.devicesKey(persona);
  }

  /**
   * The GETs of {@link #inceptionKey} and {@link #listKey} found {@code inception} and {@code list}
   * (empty: nothing, or the GET failed). Return the candidates whose presence records to read: the
   * first device, then the listed ones; the lookup ends with no device when there is none.
   */
  public List<NodeId> handleValues(Optional<StoredValue> inception, Optional<StoredValue> list) {
    if (candidates != null) {
      return List.of();
    }
    first = inception.flatMap(v -> LogItems.firstDeviceKey(v, persona)).map(k -> List.of(Identity.idOf(k)))
        .orElse(List.of());
    LinkedHashSet<NodeId> all = new LinkedHashSet<>(first);
    list.flatMap(v -> LogItems.devicesIn(v, persona)).ifPresent(all::addAll);
    candidates = List.copyOf(all);
    if (candidates.isEmpty()) {
      outcome = List.of();
    }
    return candidates;
  }

  /**
   * The read of candidate {@code device}'s presence record found {@code record} (empty: none, or
   * the read failed). A record of another node or naming another persona claims nothing.
   */
  public void handleRecord(NodeId device, Optional<Presence> record) {
    if (candidates == null || !candidates.contains(device) || records == candidates.size()) {
      return;
    }
    records++;
    record.filter(r -> Identity.idOf(r.getPublicKey().toByteArray()).equals(device))
        .ifPresent(r -> LogItems.seen(r).filter(s -> s.persona().equals(persona))
            .ifPresent(s -> claims.add(new Claim(r.getPublicKey().toByteArray(), s.head().seq()))));
    if (records == candidates.size()) {
      claims.sort(Comparator.comparingLong(Claim::seq).reversed());
    }
  }

  /** Return the item GETs to make now (each counts against the budget and as in flight). */
  public List<Get> pollGets(long now) {
    List<Get> out = new ArrayList<>();
    while (outcome == null && candidates != null && records == candidates.size()) {
      if (fetch == null && !startNext(now)) {
        outcome = first;
        break;
      }
      for (long s : fetch.pollGets(now)) {
        out.add(new Get(fetches, s, fetch.key(s)));
      }
      if (fetch.outcome().isEmpty()) {
        break;
      }
      ended(); // over before it asked (its budget cannot reach the item it lacks): the next one
    }
    return out;
  }

  // Start the fetch of the next candidate whose claim the budget still covers; false when none is left.
  private boolean startNext(long now) {
    while (next < claims.size()) {
      Claim c = claims.get(next++);
      if (c.seq() + 1 <= ITEM_BUDGET - spent) { // nothing held: every item from seq 0
        fetch = new LogFetch(c.deviceKey(), c.seq(), Optional.empty(), now, ITEM_BUDGET - spent);
        fetches++;
        return true;
      }
    }
    return false;
  }

  /** The GET {@code get} answered {@code value} (empty: nothing found, or the GET failed). */
  public void handleItem(Get get, Optional<StoredValue> value, long now) {
    if (outcome != null || fetch == null || get.fetch() != fetches) {
      return; // an answer for a fetch that ended
    }
    fetch.handleItem(get.seq(), value, now);
    if (fetch.outcome().isPresent()) {
      Optional<KeyLog> log = fetch.log().filter(l -> l.state().persona().equals(persona));
      ended();
      log.ifPresent(l -> {
        outcome = List.copyOf(l.state().devices().keySet());
        found = true;
      });
    }
  }

  private void ended() {
    spent += fetch.gets();
    fetch = null;
  }

  /** Return how many item GETs are in flight. */
  public int inFlight() {
    return fetch == null ? 0 : fetch.inFlight();
  }

  /** Return when an item is next due to be asked again, or {@link Long#MAX_VALUE} when none waits. */
  public long nextWake() {
    return fetch == null || outcome != null ? Long.MAX_VALUE : fetch.nextWake();
  }

  /** Return how many item GETs the lookup made (at most {@link #ITEM_BUDGET}). */
  public int itemGets() {
    return spent + (fetch == null ? 0 : fetch.gets());
  }

  /** Return whether the lookup ended with a log that verified (not the first device alone). */
  public boolean foundLog() {
    return found;
  }

  /** Return how many logs the lookup fetched or is fetching. */
  public int fetches() {
    return fetches;
  }

  /**
   * Return the persona's devices in key-log order once the lookup ended: of the first log that
   * verified; when none did, the first device alone, or none when the DHT holds no inception of the
   * persona. Empty while it runs.
   */
  public Optional<List<NodeId>> outcome() {
    return Optional.ofNullable(outcome);
  }
}
