package dev.wormholes.people;

import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A persona's contacts kept in step across its devices: the merge decision. Each contact is an
 * {@link Entry} whose field groups (petname; state and block reason; verified) carry the {@link
 * Stamp} of their last edit, a hybrid logical clock in ms and the editing device, and whose removal
 * carries one too. Merging two entries takes each group from the later stamp and the later removal,
 * so it is commutative, associative and idempotent: any order or repetition of the same edits gives
 * the same entries on every device. An entry is live while a group was edited after its removal
 * (a removal wins over older edits; an edit made after it brings the contact back). Removed
 * entries are kept without their log, at most {@link #MAX_REMOVED}, the oldest forgotten first.
 *
 * <p>The book a person sees is {@link #view}: a function of the entries alone. A petname two live
 * entries claim (two devices named two people alike at once) is given to neither: each is shown
 * as {@link #conflictName} and the conflict is reported, so a name never silently points at
 * another persona's key, and both devices still show the same book. A rename ends it.
 *
 * <p>Entries come only from another current device of the persona ({@link #merge} checks the log),
 * at most {@link #MAX_PER_MESSAGE} at a time, none stamped more than {@link #MAX_AHEAD_MS} ahead;
 * refusals are counted. The pinned log is the newest either side holds (by seq, then digest), so
 * it follows the contact's own log; two logs of which neither extends the other are reported.
 * Time is handed in; single-threaded.
 */
public final class ContactSync {
  /** Most entries one push or one catch-up answer carries. */
  public static final int MAX_PER_MESSAGE = 64;
  /** Most removed entries kept (the oldest removal forgotten first). */
  public static final int MAX_REMOVED = 256;
  /** How far ahead of this node's clock an entry's stamps may be. */
  public static final long MAX_AHEAD_MS = 24L * 3600 * 1000;
  /** Longest block reason taken. */
  public static final int MAX_REASON = 256;

  /** Why entries were refused. */
  public enum Refusal {
    /** The sender is not another current device of this persona. */
    NOT_A_DEVICE,
    /** More than {@link #MAX_PER_MESSAGE} entries at once. */
    TOO_MANY,
    /** An entry of this persona itself. */
    OWN_PERSONA,
    /** Not a valid entry (petname, reason, a live entry without a log). */
    BAD_ENTRY,
    /** Stamped more than {@link #MAX_AHEAD_MS} ahead. */
    AHEAD,
    /** It would add a contact past {@link ContactBook#MAX_CONTACTS}. */
    FULL
  }

  /** When and where an edit was made; ordered by time, then device. */
  public record Stamp(long time, NodeId device) implements Comparable<Stamp> {
    /** Before every edit. */
    public static final Stamp ZERO = new Stamp(0, NodeId.of(new byte[NodeId.BYTES]));

    @Override
    public int compareTo(Stamp o) {
      int c = Long.compare(time, o.time);
      return c != 0 ? c : device.compareTo(o.device);
    }
  }

  /** One contact with the stamps of its field groups; {@code log} is empty once removed. */
  public record Entry(PersonaId persona, String petname, Stamp nameAt, ContactState state, String blockReason,
      Stamp stateAt, boolean verified, Stamp verifiedAt, Stamp removedAt, long firstSeen, String introducedBy,
      Optional<KeyLog> log) {
    /** Return whether a group was edited after the last removal. */
    public boolean live() {
      return max(max(nameAt, stateAt), verifiedAt).compareTo(removedAt) > 0;
    }

    /** Return the latest of its stamps. */
    public Stamp latest() {
      return max(max(max(nameAt, stateAt), verifiedAt), removedAt);
    }

    /** Return the contact it is, named {@code name}, if live. */
    Optional<Contact> contact(String name) {
      return live() && log.isPresent() ? Optional.of(new Contact(name, log.get(), verified, state, firstSeen,
          introducedBy, blockReason.isEmpty() ? Optional.empty() : Optional.of(blockReason))) : Optional.empty();
    }

    boolean same(Entry o) {
      return o != null && petname.equals(o.petname) && nameAt.equals(o.nameAt) && state == o.state
          && blockReason.equals(o.blockReason) && stateAt.equals(o.stateAt) && verified == o.verified
          && verifiedAt.equals(o.verifiedAt) && removedAt.equals(o.removedAt) && firstSeen == o.firstSeen
          && introducedBy.equals(o.introducedBy) && log.map(KeyLog::state).map(KeyState::head)
          .equals(o.log.map(KeyLog::state).map(KeyState::head));
    }
  }

  /** Two or more live contacts claim {@code petname}; each is shown as {@link #conflictName}. */
  public record Conflict(String petname, List<PersonaId> personas) {}

  /** The book as the entries make it: contacts by petname, and the petnames in conflict. */
  public record View(List<Contact> contacts, List<Conflict> conflicts) {}

  /** A page of entries changed after a counter, in change order, and the counter to ask from next. */
  public record Page(List<Entry> entries, long next, boolean more) {}

  /** What a merge did: the contacts it changed, its refusals, the personas whose logs conflict. */
  public record Merged(List<PersonaId> changed, List<Refusal> refused, List<PersonaId> logConflicts) {}

  private final NodeId self;
  private long clock;
  private long changes;
  private final Map<PersonaId, Entry> entries = new HashMap<>();
  private final Map<PersonaId, Long> changedAt = new HashMap<>();
  private final EnumMap<Refusal, Long> refusals = new EnumMap<>(Refusal.class);
  private final List<PersonaId> forgotten = new ArrayList<>();

  /** Keep the contacts of device {@code self}. */
  public ContactSync(NodeId self) {
    this.self = self;
  }

  /** Take back {@code e} as stored, changed at counter {@code at}. */
  public void restore(Entry e, long at) {
    entries.put(e.persona(), e.live() ? e : withoutLog(e));
    changedAt.put(e.persona(), at);
    changes = Math.max(changes, at);
    clock = Math.max(clock, e.latest().time());
  }

  /** Return the entry of {@code persona}. */
  public Optional<Entry> entry(PersonaId persona) {
    return Optional.ofNullable(entries.get(persona));
  }

  /** Return the counter at which {@code persona}'s entry last changed here (0 if never). */
  public long changedAt(PersonaId persona) {
    return changedAt.getOrDefault(persona, 0L);
  }

  /**
   * A person (or trust on first use) made contact {@code c} what it is now, at {@code nowMs}: stamp
   * the groups that differ from the entry (every group, for a contact new or removed here). Return
   * the entry if it changed.
   */
  public Optional<Entry> edited(Contact c, long nowMs) {
    Entry held = entries.get(c.persona());
    boolean fresh = held == null || !held.live() || held.log().isEmpty(); // no log: its contact was lost
    if (!fresh && c.petname().equals(shownName(held)) && c.state() == held.state()
        && c.blockReason().orElse("").equals(held.blockReason()) && c.verified() == held.verified()
        && c.pinned().equals(held.log().orElseThrow().state().head())) {
      return Optional.empty();
    }
    Stamp s = tick(nowMs);
    boolean renamed = fresh || !c.petname().equals(shownName(held));
    boolean restated = fresh || c.state() != held.state() || !c.blockReason().orElse("").equals(held.blockReason());
    boolean reverified = fresh || c.verified() != held.verified();
    Entry e = new Entry(c.persona(), renamed ? c.petname() : held.petname(), renamed ? s : held.nameAt(),
        c.state(), clip(c.blockReason().orElse("")), restated ? s : held.stateAt(),
        c.verified(), reverified ? s : held.verifiedAt(), held == null ? Stamp.ZERO : held.removedAt(),
        c.firstSeen(), c.introducedBy(), Optional.of(c.log()));
    if (held != null) {
      e = join(held, e); // the edit is later than all held; what is not stamped (first seen) joins as everywhere
    }
    put(e);
    return Optional.of(e);
  }

  /** A person removed the contact of {@code persona} at {@code nowMs}; return its entry now. */
  public Optional<Entry> removed(PersonaId persona, long nowMs) {
    Entry held = entries.get(persona);
    if (held == null || !held.live()) {
      return Optional.empty();
    }
    Entry e = withoutLog(new Entry(persona, held.petname(), held.nameAt(), held.state(), held.blockReason(),
        held.stateAt(), held.verified(), held.verifiedAt(), tick(nowMs), held.firstSeen(), held.introducedBy(),
        Optional.empty()));
    put(e);
    return Optional.of(e);
  }

  /**
   * Merge {@code in}, sent by node {@code from}, into the entries, this persona's log in state
   * {@code own}, at {@code nowMs}. Only another current device of {@code own} is heard.
   */
  public Merged merge(KeyState own, NodeId from, List<Entry> in, long nowMs) {
    List<Refusal> refused = new ArrayList<>();
    List<PersonaId> changed = new ArrayList<>();
    List<PersonaId> logConflicts = new ArrayList<>();
    if (from.equals(self) || !own.hasDevice(from)) {
      return new Merged(changed, count(refused, Refusal.NOT_A_DEVICE), logConflicts);
    }
    if (in.size() > MAX_PER_MESSAGE) {
      return new Merged(changed, count(refused, Refusal.TOO_MANY), logConflicts);
    }
    for (Entry e : in) {
      Optional<Refusal> bad = check(own, e, nowMs);
      if (bad.isPresent()) {
        count(refused, bad.get());
        continue;
      }
      Entry held = entries.get(e.persona());
      Entry joined = held == null ? (e.live() ? e : withoutLog(e)) : join(held, e);
      if ((held == null || !held.live()) && joined.live() && live() >= ContactBook.MAX_CONTACTS) {
        count(refused, Refusal.FULL);
        continue;
      }
      clock = Math.max(clock, e.latest().time());
      if (held != null && held.log().isPresent() && e.log().isPresent() && !related(held.log().get(), e.log().get())) {
        logConflicts.add(e.persona());
      }
      if (!joined.same(held)) {
        put(joined);
        changed.add(e.persona());
      }
    }
    return new Merged(changed, refused, logConflicts);
  }

  /** Return at most {@code max} entries changed after counter {@code after}, in change order. */
  public Page since(long after, int max) {
    List<PersonaId> due = changedAt.entrySet().stream().filter(x -> x.getValue() > after)
        .sorted(Map.Entry.comparingByValue()).map(Map.Entry::getKey).toList();
    List<PersonaId> page = due.subList(0, Math.min(max, due.size()));
    long next = page.isEmpty() ? after : changedAt.get(page.get(page.size() - 1));
    return new Page(page.stream().map(entries::get).toList(), next, due.size() > page.size());
  }

  /** Return the book the live entries make, with the petnames two or more of them claim. */
  public View view() {
    Map<String, List<Entry>> claims = new TreeMap<>();
    entries.values().stream().filter(Entry::live).sorted(Comparator.comparing(e -> e.persona().value()))
        .forEach(e -> claims.computeIfAbsent(e.petname(), k -> new ArrayList<>()).add(e));
    Map<String, Contact> shown = new TreeMap<>();
    List<Conflict> conflicts = new ArrayList<>();
    List<Contact> renamed = new ArrayList<>();
    for (Map.Entry<String, List<Entry>> c : claims.entrySet()) {
      if (c.getValue().size() == 1) {
        c.getValue().get(0).contact(c.getKey()).ifPresent(x -> shown.put(x.petname(), x));
      } else {
        conflicts.add(new Conflict(c.getKey(), c.getValue().stream().map(Entry::persona).toList()));
        c.getValue().forEach(e -> e.contact(conflictName(e.petname(), e.persona())).ifPresent(renamed::add));
      }
    }
    renamed.forEach(x -> shown.putIfAbsent(x.petname(), x)); // a claimed name stays with its claimer
    return new View(List.copyOf(shown.values()), conflicts);
  }

  /** Return the petname {@code persona} is shown under while {@code petname} is in conflict. */
  public static String conflictName(String petname, PersonaId persona) {
    String tag = persona.toString().substring(0, 8).toLowerCase(java.util.Locale.ROOT);
    return petname.substring(0, Math.min(petname.length(), 32 - 1 - tag.length())) + "-" + tag;
  }

  /** Return the refusals counted, by reason. */
  public Map<Refusal, Long> refusals() {
    return new EnumMap<>(refusals);
  }

  /** Return and clear the personas whose removed entries were forgotten (past {@link #MAX_REMOVED}). */
  public List<PersonaId> pollForgotten() {
    List<PersonaId> out = List.copyOf(forgotten);
    forgotten.clear();
    return out;
  }

  /** Return {@code a} and {@code b} merged: each group from the later stamp, the later removal. */
  public static Entry join(Entry a, Entry b) {
    Entry name = pick(a.nameAt(), b.nameAt(), a.petname().compareTo(b.petname())) ? a : b;
    Entry state = pick(a.stateAt(), b.stateAt(), a.state() != b.state() ? a.state().compareTo(b.state())
        : a.blockReason().compareTo(b.blockReason())) ? a : b;
    Entry verified = pick(a.verifiedAt(), b.verifiedAt(), Boolean.compare(a.verified(), b.verified())) ? a : b;
    Entry first = a.firstSeen() != b.firstSeen() ? (a.firstSeen() < b.firstSeen() ? a : b)
        : a.introducedBy().compareTo(b.introducedBy()) <= 0 ? a : b;
    Entry e = new Entry(a.persona(), name.petname(), name.nameAt(), state.state(), state.blockReason(),
        state.stateAt(), verified.verified(), verified.verifiedAt(), max(a.removedAt(), b.removedAt()),
        first.firstSeen(), first.introducedBy(), newer(a.log(), b.log()));
    return e.live() ? e : withoutLog(e);
  }

  // Whether the group of `a` (stamped at) wins over b's: the later stamp; on equal stamps the larger value.
  private static boolean pick(Stamp at, Stamp bt, int valueOrder) {
    int c = at.compareTo(bt);
    return c != 0 ? c > 0 : valueOrder >= 0;
  }

  private static Optional<KeyLog> newer(Optional<KeyLog> a, Optional<KeyLog> b) {
    if (a.isEmpty() || b.isEmpty()) {
      return a.isEmpty() ? b : a;
    }
    LogHead x = a.get().state().head();
    LogHead y = b.get().state().head();
    int c = x.seq() != y.seq() ? Long.compare(x.seq(), y.seq()) : Arrays.compareUnsigned(x.digest(), y.digest());
    return c >= 0 ? a : b;
  }

  private static boolean related(KeyLog a, KeyLog b) {
    KeyLog longer = a.size() >= b.size() ? a : b;
    KeyLog shorter = longer == a ? b : a;
    LogItems.Standing s = LogItems.standing(longer, shorter.state().head());
    return s == LogItems.Standing.SAME || s == LogItems.Standing.OLDER;
  }

  private Optional<Refusal> check(KeyState own, Entry e, long nowMs) {
    if (e.persona().equals(own.persona())) {
      return Optional.of(Refusal.OWN_PERSONA);
    }
    if (e.latest().time() > nowMs + MAX_AHEAD_MS) {
      return Optional.of(Refusal.AHEAD);
    }
    if (!Contact.validPetname(e.petname()) || e.blockReason().length() > MAX_REASON
        || (e.live() && e.log().isEmpty())
        || e.log().filter(l -> !l.state().persona().equals(e.persona())).isPresent()) {
      return Optional.of(Refusal.BAD_ENTRY);
    }
    return Optional.empty();
  }

  private List<Refusal> count(List<Refusal> into, Refusal r) {
    refusals.merge(r, 1L, Long::sum);
    into.add(r);
    return into;
  }

  // The name the view shows e under: its petname unless another live entry claims it too.
  private String shownName(Entry e) {
    boolean shared = entries.values().stream()
        .anyMatch(o -> o.live() && !o.persona().equals(e.persona()) && o.petname().equals(e.petname()));
    return shared ? conflictName(e.petname(), e.persona()) : e.petname();
  }

  private long live() {
    return entries.values().stream().filter(Entry::live).count();
  }

  private Stamp tick(long nowMs) {
    clock = Math.max(nowMs, clock + 1);
    return new Stamp(clock, self);
  }

  private void put(Entry e) {
    entries.put(e.persona(), e);
    changedAt.put(e.persona(), ++changes);
    if (!e.live()) {
      List<Entry> removed = entries.values().stream().filter(x -> !x.live())
          .sorted(Comparator.comparing(Entry::removedAt)).toList();
      for (int i = 0; i < removed.size() - MAX_REMOVED; i++) {
        entries.remove(removed.get(i).persona());
        changedAt.remove(removed.get(i).persona());
        forgotten.add(removed.get(i).persona());
      }
    }
  }

  private static Entry withoutLog(Entry e) {
    return e.log().isEmpty() ? e : new Entry(e.persona(), e.petname(), e.nameAt(), e.state(), e.blockReason(),
        e.stateAt(), e.verified(), e.verifiedAt(), e.removedAt(), e.firstSeen(), e.introducedBy(), Optional.empty());
  }

  private static String clip(String s) {
    return s.length() <= MAX_REASON ? s : s.substring(0, MAX_REASON);
  }

  private static Stamp max(Stamp a, Stamp b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
