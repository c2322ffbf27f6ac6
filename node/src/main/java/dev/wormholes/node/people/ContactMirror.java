package dev.wormholes.node.people;

import com.google.gson.JsonObject;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.wormholes.node.store.NodeStore;
import dev.wormholes.people.Contact;
import dev.wormholes.people.ContactBook;
import dev.wormholes.people.ContactCodec;
import dev.wormholes.people.ContactEntryCodec;
import dev.wormholes.people.ContactSync;
import dev.wormholes.people.PersonaId;
import dev.wormholes.people.wire.ContactEntries;
import dev.wormholes.people.wire.ContactEntry;
import dev.wormholes.people.wire.PersonaAnswer;
import dev.wormholes.people.wire.PersonaRequest;
import dev.wormholes.proto.NodeId;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the persona's contacts in step across its devices, on top of {@link People}: every change
 * of the contact book ({@link People#save}, a removal) is stamped by {@link ContactSync} and pushed
 * to the persona's other current devices on {@link LogSync#SERVICE}; what they push is merged and
 * the book made what the merged entries say ({@link ContactSync#view}). At start and every {@link
 * #CATCH_UP_SECONDS} (sooner while one does not answer) it asks each other device for the entries
 * changed there since the last it
 * got from it (a counter of that device's), page by page, so an edit made while this device was
 * down reaches it. Only another current device of the persona (by the key log) is heard or
 * answered; decoding waits until the sender is known to be one. Stamps live in the store under
 * {@link #ENTRY_PREFIX} beside the contacts; the counters under {@link #SEEN_PREFIX}.
 *
 * <p>Every method is called holding the {@link People} lock, or takes it.
 */
final class ContactMirror {
  private static final Logger LOG = LoggerFactory.getLogger(ContactMirror.class);
  static final String ENTRY_PREFIX = "contact-sync/";
  static final String SEEN_PREFIX = "contact-sync.seen/";
  /** How often the other devices are asked what changed (besides at start). */
  static final long CATCH_UP_SECONDS = 300;
  /** The first wait before asking again a device that did not answer a catch-up. */
  static final long FIRST_RETRY_SECONDS = 5;
  /** How long changes gather before they are pushed together. */
  static final long PUSH_DELAY_MS = 100;
  /** Most pages one catch-up asks one device for. */
  static final int MAX_PAGES = 64;
  /** Bytes kept free in an answer below {@link InviteStream#MAX_MESSAGE}. */
  private static final int ANSWER_SLACK = 1024;

  private final People p;
  private final NodeStore store;
  private final ContactSync engine;
  private final Map<NodeId, Long> seen = new HashMap<>();
  private long malformed;
  private volatile Asker asker;
  private volatile java.util.concurrent.Executor later = Runnable::run;
  private final java.util.Set<PersonaId> unpushed = new java.util.LinkedHashSet<>(); // guarded by p

  /** Keep {@code p}'s contacts in step; stamps and counters from {@code held} (its stored people data). */
  ContactMirror(People p, NodeStore store, Map<String, byte[]> held) {
    this.p = p;
    this.store = store;
    this.engine = new ContactSync(p.device().id());
    for (Map.Entry<String, byte[]> e : held.entrySet()) {
      if (e.getKey().startsWith(ENTRY_PREFIX)) {
        try {
          ContactEntry w = ContactEntry.parseFrom(e.getValue());
          Optional<Contact> c = p.book().byPersona(PersonaId.of(w.getPersona().toByteArray()));
          ContactEntryCodec.decode(w, c.map(Contact::log)).ifPresent(x -> engine.restore(x, w.getChangedAt()));
        } catch (InvalidProtocolBufferException | IllegalArgumentException x) {
          LOG.warn("ignoring an unreadable stored contact stamp {}", e.getKey());
        }
      } else if (e.getKey().startsWith(SEEN_PREFIX) && e.getValue().length == Long.BYTES) {
        NodeId.parse(e.getKey().substring(SEEN_PREFIX.length()))
            .ifPresent(d -> seen.put(d, ByteBuffer.wrap(e.getValue()).getLong()));
      }
    }
    for (Contact c : p.book().all()) {
      if (engine.entry(c.persona()).filter(ContactSync.Entry::live).isEmpty()) {
        engine.edited(c, 0).ifPresent(this::persist); // held before stamps existed
      }
    }
    apply();
  }

  /** Contact {@code c} is what it is now in the book: stamp what changed, push it (holding p). */
  void edited(Contact c) {
    engine.edited(c, nowMs()).ifPresent(this::changed);
  }

  /** Contact {@code c} was removed from the book: stamp the removal, push it (holding p). */
  void removed(Contact c) {
    engine.removed(c.persona(), nowMs()).ifPresent(this::changed);
  }

  private void changed(ContactSync.Entry e) {
    persist(e);
    apply();
    if (asker == null) {
      return; // not started: the other devices catch up from this one
    }
    boolean first = unpushed.isEmpty();
    unpushed.add(e.persona());
    if (first) {
      later.execute(this::flush);
    }
  }

  // Push what changed since the last flush to the other devices, as few messages as fit (a pairing
  // that copies many contacts makes a few pushes, not one a contact); no retry: they catch up.
  private void flush() {
    Asker s = asker;
    List<NodeId> to;
    List<ContactEntry> due = new ArrayList<>();
    synchronized (p) {
      to = others();
      unpushed.forEach(x -> engine.entry(x).ifPresent(e -> due.add(ContactEntryCodec.encode(e, true, 0))));
      unpushed.clear();
    }
    for (int i = 0, n; i < due.size(); i += n) {
      n = fitting(due.subList(i, due.size()));
      PersonaRequest push = PersonaRequest.newBuilder()
          .setContacts(ContactEntries.newBuilder().addAllEntries(due.subList(i, i + n))).build();
      for (NodeId d : to) {
        s.ask(d, push).whenComplete((a, err) -> {
          if (err != null || !a.getOk()) {
            LOG.info("could not push contacts to device {}: {}", d, err != null ? err.getMessage() : a.getRefusal());
          }
        });
      }
    }
  }

  // How many of `entries`, from the first, fit one message (at least one: an entry always fits alone).
  private static int fitting(List<ContactEntry> entries) {
    int bytes = 0;
    int n = 0;
    for (ContactEntry w : entries) {
      bytes += w.getSerializedSize() + 8;
      if (n > 0 && (n == ContactSync.MAX_PER_MESSAGE || bytes > InviteStream.MAX_MESSAGE - ANSWER_SLACK)) {
        break;
      }
      n++;
    }
    return n;
  }

  /** How a request reaches another device on {@link LogSync#SERVICE} ({@link LogSync#ask}). */
  interface Asker {
    /** Send {@code request} to {@code node}; complete with its answer. */
    CompletableFuture<PersonaAnswer> ask(NodeId node, PersonaRequest request);
  }

  /** Reach the other devices through {@code a} from now on. */
  void attach(Asker a) {
    attach(a, Runnable::run);
  }

  /** Reach the other devices through {@code a}, pushes sent when {@code pushLater} runs them (changes meanwhile go along). */
  void attach(Asker a, java.util.concurrent.Executor pushLater) {
    later = pushLater;
    asker = a;
  }

  /**
   * Reach the other devices through {@code a}; catch up now and every {@link #CATCH_UP_SECONDS} on
   * {@code timer}, sooner while a device did not answer (a node just started may not reach them yet):
   * after {@link #FIRST_RETRY_SECONDS}, then twice as long each time.
   */
  void start(Asker a, ScheduledExecutorService timer) {
    attach(a, r -> timer.schedule(r, PUSH_DELAY_MS, TimeUnit.MILLISECONDS));
    catchUpEvery(timer, FIRST_RETRY_SECONDS);
  }

  private void catchUpEvery(ScheduledExecutorService timer, long retry) {
    catchUp().whenComplete((all, e) -> {
      boolean done = e == null && all;
      long next = done ? CATCH_UP_SECONDS : retry;
      try {
        timer.schedule(() -> catchUpEvery(timer, done ? FIRST_RETRY_SECONDS : Math.min(CATCH_UP_SECONDS, 2 * retry)),
            next, TimeUnit.SECONDS);
      } catch (java.util.concurrent.RejectedExecutionException stopped) {
        LOG.debug("contact catch-up stops: the timer is shut down");
      }
    });
  }

  /** Ask every other current device for what changed there since the last entries it sent; complete with whether all answered. */
  CompletableFuture<Boolean> catchUp() {
    if (asker == null) {
      return CompletableFuture.completedFuture(false);
    }
    List<NodeId> devices;
    synchronized (p) {
      devices = others();
    }
    List<CompletableFuture<Boolean>> each = devices.stream().map(d -> catchUp(d, 0).thenApply(x -> true)
        .exceptionally(e -> {
          LOG.info("no contact catch-up from device {}: {}", d, e.getMessage());
          return false;
        })).toList();
    return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
        .thenApply(x -> each.stream().allMatch(CompletableFuture::join));
  }

  private CompletableFuture<Void> catchUp(NodeId d, int page) {
    Asker s = asker;
    long after;
    synchronized (p) {
      after = seen.getOrDefault(d, 0L);
    }
    return s.ask(d, PersonaRequest.newBuilder().setContactsSince(after).build()).thenCompose(a -> {
      if (!a.getOk()) {
        throw new java.util.concurrent.CompletionException(new java.io.IOException(a.getRefusal()));
      }
      boolean more;
      synchronized (p) {
        take(d, a.getContacts().getEntriesList());
        seen.put(d, a.getContacts().getNext());
        store.savePeople(SEEN_PREFIX + d, ByteBuffer.allocate(Long.BYTES).putLong(a.getContacts().getNext()).array());
        more = a.getContacts().getMore() && a.getContacts().getNext() > after;
      }
      return more && page + 1 < MAX_PAGES ? catchUp(d, page + 1) : CompletableFuture.completedFuture(null);
    });
  }

  /** Answer entries pushed by node {@code peer} (holding p). */
  PersonaAnswer receive(NodeId peer, ContactEntries pushed) {
    if (!fromADevice(peer)) {
      return refusal();
    }
    take(peer, pushed.getEntriesList());
    return PersonaAnswer.newBuilder().setOk(true).build();
  }

  /** Answer node {@code peer}'s catch-up: the entries changed after counter {@code after} (holding p). */
  PersonaAnswer answer(NodeId peer, long after) {
    if (!fromADevice(peer)) {
      return refusal();
    }
    ContactSync.Page page = engine.since(after, ContactSync.MAX_PER_MESSAGE);
    List<ContactEntry> due = page.entries().stream().map(e -> ContactEntryCodec.encode(e, true, 0)).toList();
    int n = fitting(due);
    ContactEntries.Builder out = ContactEntries.newBuilder().addAllEntries(due.subList(0, n))
        .setNext(n == 0 ? after : engine.changedAt(page.entries().get(n - 1).persona()))
        .setMore(page.more() || n < due.size());
    return PersonaAnswer.newBuilder().setOk(true).setContacts(out).build();
  }

  /** Return what the syncing counted (holding p). */
  JsonObject json() {
    JsonObject o = new JsonObject();
    JsonObject refused = new JsonObject();
    Map<ContactSync.Refusal, Long> counted = engine.refusals();
    for (ContactSync.Refusal r : ContactSync.Refusal.values()) {
      refused.addProperty(r.name().toLowerCase(Locale.ROOT), counted.getOrDefault(r, 0L));
    }
    refused.addProperty("malformed", malformed);
    o.add("refused", refused);
    return o;
  }

  private boolean fromADevice(NodeId peer) {
    if (others().contains(peer)) {
      return true;
    }
    engine.merge(p.log().state(), peer, List.of(), nowMs()); // counts the refusal
    return false;
  }

  private static PersonaAnswer refusal() {
    return PersonaAnswer.newBuilder().setOk(false)
        .setRefusal("contacts go only between current devices of this persona").build();
  }

  private void take(NodeId from, List<ContactEntry> wire) {
    List<ContactSync.Entry> in = new ArrayList<>();
    for (ContactEntry w : wire.subList(0, Math.min(wire.size(), ContactSync.MAX_PER_MESSAGE + 1))) {
      Optional<ContactSync.Entry> e = ContactEntryCodec.decode(w, Optional.empty());
      if (e.isEmpty()) {
        malformed++;
      }
      e.ifPresent(in::add);
    }
    ContactSync.Merged m = engine.merge(p.log().state(), from, in, nowMs());
    if (!m.refused().isEmpty()) {
      LOG.info("refused {} contact entries from device {}: {}", m.refused().size(), from, m.refused());
    }
    m.logConflicts().forEach(x -> p.alarm("two devices of yours pinned two different logs of contact " + x
        + ": neither extends the other"));
    m.changed().forEach(x -> engine.entry(x).ifPresent(this::persist));
    engine.pollForgotten().forEach(x -> store.removePeople(ENTRY_PREFIX + x));
    if (!m.changed().isEmpty()) {
      apply();
    }
  }

  // Make the book what the entries say (a book edit here is not stamped again: it is the view).
  private void apply() {
    ContactSync.View v = engine.view();
    ContactBook book = p.book();
    Map<PersonaId, Contact> want = new HashMap<>();
    v.contacts().forEach(c -> want.put(c.persona(), c));
    List<Contact> add = new ArrayList<>();
    for (Contact c : book.all()) {
      Contact w = want.get(c.persona());
      if (w == null || !same(c, w)) {
        book.remove(c.petname());
        if (w == null) {
          store.removePeople(People.CONTACT_PREFIX + c.persona());
        }
      }
      if (w != null && !same(c, w)) {
        add.add(w);
      }
      want.remove(c.persona());
    }
    add.addAll(want.values());
    for (Contact c : add) {
      if (book.add(c) instanceof ContactBook.Edit.Refused r) {
        LOG.warn("a contact from another device does not fit the book: {}", r.message());
        continue;
      }
      store.savePeople(People.CONTACT_PREFIX + c.persona(), ContactCodec.encode(c));
    }
    for (ContactSync.Conflict c : v.conflicts()) {
      p.alarm("two devices of yours call different people '" + c.petname() + "': each is shown under another"
          + " name until one is renamed (wormholes contact rename)");
    }
  }

  private static boolean same(Contact a, Contact b) {
    return a.petname().equals(b.petname()) && a.state() == b.state() && a.verified() == b.verified()
        && a.blockReason().equals(b.blockReason()) && a.pinned().equals(b.pinned())
        && a.firstSeen() == b.firstSeen() && a.introducedBy().equals(b.introducedBy());
  }

  private void persist(ContactSync.Entry e) {
    store.savePeople(ENTRY_PREFIX + e.persona(),
        ContactEntryCodec.encode(e, false, engine.changedAt(e.persona())).toByteArray());
    engine.pollForgotten().forEach(x -> store.removePeople(ENTRY_PREFIX + x));
  }

  private List<NodeId> others() {
    NodeId self = p.device().id();
    return p.log().state().devices().keySet().stream().filter(d -> !d.equals(self)).toList();
  }

  private long nowMs() {
    return p.now() * 1000;
  }
}
