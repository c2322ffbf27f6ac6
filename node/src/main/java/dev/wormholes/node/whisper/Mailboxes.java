package dev.wormholes.node.whisper;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import dev.wormholes.node.api.ApiException;
import dev.wormholes.node.people.DeviceOrder;
import dev.wormholes.node.people.People;
import dev.wormholes.node.people.WhisperSeal;
import dev.wormholes.node.socks.StreamDialer;
import dev.wormholes.node.store.NodeStore;
import dev.wormholes.node.stream.Exposure;
import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.node.stream.StreamAsk;
import dev.wormholes.node.stream.StreamTransport;
import dev.wormholes.people.Mailbox;
import dev.wormholes.people.PersonaId;
import dev.wormholes.people.WhisperOutbox;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.Presence;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offline delivery of whispers through mailbox friends: the driver of {@link Mailbox}. Three parts:
 *
 * <ul>
 *   <li><b>Naming.</b> A person names 1 to {@link Mailbox#MAX_NAMED} accepted contacts ({@link
 *       #name}); their persona ids go into this node's presence records ({@code Presence.mailboxes}).
 *       Every presence record of a contact's device this node reads ({@link #seen}) updates the list
 *       it keeps for that persona (durably), so a sender and a holder know the list while the owner
 *       is offline.
 *   <li><b>Holding.</b> The internal service {@link #SERVICE} takes deposits, fetches and
 *       acknowledgements; {@link Mailbox} decides; held blobs are stored (sealed at rest by {@link
 *       WhisperVault}) in the whisper table, so they survive a restart.
 *   <li><b>Depositing and fetching.</b> {@link Whispers} hands over a waiting whisper after each
 *       failed direct attempt ({@link #depositFor}); once {@link Mailbox#depositTo} says so, it is
 *       sealed to the recipient ({@link WhisperSeal}) and deposited with the recipient's mailboxes
 *       (their devices in the node's {@link DeviceOrder}). The owner visits its mailboxes at start
 *       and when {@link Mailbox.Visits} says (checked every tick), opens what they hold, hands the
 *       whispers to {@link Whispers} (which checks them as direct ones and stores each once) and
 *       acknowledges those it took or that can never be taken.
 * </ul>
 *
 * <p>Wire (one request, one framed answer): {@code op (1) | owner persona (32) | payload}. Deposit
 * (1): the blob; answer one {@link Mailbox.Verdict} byte. Fetch (2): no payload; answer {@code
 * status (1: 0 ok, 1 not the owner) | n (1) | n x (sender node 32 | length 2 | blob)}. Ack (3):
 * the ids (32 hex characters each); answer {@code status (1) | removed (1)}.
 *
 * <p>Thread-safe: state guarded by this.
 */
public final class Mailboxes implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Mailboxes.class);
  /** The internal service mailboxes are reached on (open to every node; the checks are ours). */
  public static final String SERVICE = "wh-mailbox";
  static final byte DEPOSIT = 1;
  static final byte FETCH = 2;
  static final byte ACK = 3;
  static final int MAX_REQUEST = 1 + 32 + Math.max(Mailbox.MAX_BLOB, Mailbox.FETCH_BATCH * 32);
  static final int MAX_ANSWER = 2 + Mailbox.FETCH_BATCH * (32 + 2 + Mailbox.MAX_BLOB);
  /** Bound on one request: lookup, handshake, one round trip. */
  static final long ASK_TIMEOUT_MS = 20_000;
  /** Personas whose mailbox lists are kept at most. */
  static final int MAX_LISTS = 4096;
  private static final StreamAsk.AnswerDecoder<byte[]> ANSWERS = StreamAsk.AnswerDecoder.framed(MAX_ANSWER, b -> b);
  private static final String BOX = "box/";
  private static final String NAMES = "names/";
  private static final String MINE = "names/self";

  /** Asks one node one request of {@link #SERVICE} and completes with the answer. */
  @FunctionalInterface
  interface Post {
    CompletableFuture<byte[]> ask(NodeId node, byte[] request);
  }

  /** A list of mailboxes a persona named, and the device whose record said so. */
  private record Named(List<PersonaId> mailboxes, NodeId device) {}

  private final NodeStore store;
  private final WhisperVault vault;
  private final People people;
  private final LongSupplier nowMs;
  private final DeviceOrder choice;
  private final Function<byte[], WhisperOutbox.Answer> deliver;
  private final ScheduledExecutorService timer;
  private volatile Post post;
  private volatile Consumer<List<PersonaId>> publish = l -> {};
  // Guarded by this.
  private final Mailbox box = new Mailbox();
  private final Mailbox.Visits visits = new Mailbox.Visits();
  private final Map<PersonaId, Named> lists = new HashMap<>();
  private List<PersonaId> mine = List.of();
  private final TreeMap<String, Long> events = new TreeMap<>();

  private Mailboxes(NodeStore store, Identity device, People people, LongSupplier nowMs, DeviceOrder choice,
      Function<byte[], WhisperOutbox.Answer> deliver) {
    this.store = store;
    this.vault = WhisperVault.of(device);
    this.people = people;
    this.nowMs = nowMs;
    this.choice = choice;
    this.deliver = deliver;
    long now = nowMs.getAsLong();
    for (Map.Entry<String, byte[]> e : store.loadWhispers().entrySet()) {
      if (!e.getKey().startsWith(BOX) && !e.getKey().startsWith(NAMES)) {
        continue;
      }
      try {
        JsonObject o = JsonParser.parseString(new String(vault.open(e.getKey(), e.getValue()).orElseThrow(),
            StandardCharsets.UTF_8)).getAsJsonObject();
        if (e.getKey().startsWith(BOX)) {
          Mailbox.Item i = new Mailbox.Item(o.get("id").getAsString(), persona(o.get("owner").getAsString()),
              NodeId.parse(o.get("sender").getAsString()).orElseThrow(),
              Base64.getDecoder().decode(o.get("blob").getAsString()), o.get("at").getAsLong());
          if (!box.restore(i, now)) {
            store.removeWhisper(e.getKey());
          }
        } else if (e.getKey().equals(MINE)) {
          mine = personas(o.getAsJsonArray("mailboxes"));
        } else if (lists.size() < MAX_LISTS) {
          lists.put(persona(e.getKey().substring(NAMES.length())), new Named(personas(o.getAsJsonArray("mailboxes")),
              NodeId.parse(o.get("device").getAsString()).orElseThrow()));
        }
      } catch (RuntimeException ex) {
        LOG.warn("ignoring an unreadable mailbox record {}", e.getKey());
      }
    }
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "wormholes-mailboxes");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Return the mailboxes of the node {@code device}, kept in {@code store}, among the contacts of
   * {@code people}, on wall-clock {@code nowMs}; fetched whispers go to {@code deliver} (the
   * whispers' {@link Whispers#takeFromMailbox}).
   */
  public static Mailboxes open(NodeStore store, Identity device, People people, LongSupplier nowMs,
      DeviceOrder choice, Function<byte[], WhisperOutbox.Answer> deliver) {
    return new Mailboxes(store, device, people, nowMs, choice, deliver);
  }

  /** Serve {@link #SERVICE} on {@code t}, ask with {@code d}, and check every {@code tickMs} whether to visit. */
  public void attach(StreamTransport t, StreamDialer d, long tickMs) {
    t.expose(SERVICE, Exposure.open(stream -> serve(stream)));
    attach((node, request) -> d.dial(node, SERVICE).thenCompose(s -> StreamAsk.ask(s, request, ANSWERS)), tickMs);
  }

  /** Ask with {@code p} and check every {@code tickMs} whether to visit. */
  void attach(Post p, long tickMs) {
    post = p;
    timer.scheduleWithFixedDelay(this::tick, 0, tickMs, TimeUnit.MILLISECONDS);
  }

  /** Make this node's presence records carry the named mailboxes, now and whenever they change. */
  public void publishWith(Consumer<List<ByteString>> records) {
    publish = l -> records.accept(l.stream().map(p -> ByteString.copyFrom(p.toBytes())).toList());
    List<PersonaId> now;
    synchronized (this) {
      now = mine;
    }
    publish.accept(now);
  }

  private void serve(SecureStream stream) {
    NodeId peer = stream.peer();
    StreamAsk.serve(stream, MAX_REQUEST, ANSWERS,
        bytes -> CompletableFuture.completedFuture(Optional.of(answer(peer, bytes))));
  }

  // ---- naming

  /** {@code add}, {@code remove} or {@code list} (name ignored) this person's mailbox friends; return the list. */
  public JsonObject name(String action, String name) {
    List<PersonaId> now;
    synchronized (this) {
      List<PersonaId> next = new ArrayList<>(mine);
      switch (action) {
        case "list" -> { }
        case "add", "remove" -> {
          String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
          Optional<PersonaId> p = people.personaNamed(n).or(() -> PersonaId.parse(n));
          if (p.isEmpty() || (action.equals("add") && !accepted(p.get()))) {
            throw new ApiException(404, "no accepted contact is called '" + ApiException.clip(n) + "'");
          }
          if (action.equals("add") && !next.contains(p.get())) {
            if (next.size() >= Mailbox.MAX_NAMED) {
              throw new ApiException(409, "you named " + Mailbox.MAX_NAMED + " mailboxes already; remove one first");
            }
            next.add(p.get());
          } else if (action.equals("remove")) {
            next.remove(p.get());
          }
        }
        default -> throw new ApiException(400, "the action is add, remove or list, not '" + ApiException.clip(action) + "'");
      }
      if (!next.equals(mine)) {
        mine = List.copyOf(next);
        JsonObject o = new JsonObject();
        o.add("mailboxes", json(mine));
        save(MINE, o);
        visits.namesChanged();
      }
      now = mine;
    }
    if (!action.equals("list")) {
      publish.accept(now);
    }
    return status();
  }

  // Whether `p` is the persona of an accepted contact.
  private boolean accepted(PersonaId p) {
    return people.devicesOf(p).stream().findFirst().flatMap(people::acceptedContactOf).isPresent();
  }

  /** Note the mailboxes named in {@code record}, a verified presence record, if it is a contact's device's. */
  public void seen(Presence record) {
    if (!record.hasPersona() || record.getPersona().getPersona().size() != NodeId.BYTES
        || record.getPublicKey().size() != Identity.PUBLIC_KEY_BYTES) {
      return;
    }
    PersonaId persona = PersonaId.of(record.getPersona().getPersona().toByteArray());
    NodeId device = Identity.idOf(record.getPublicKey().toByteArray());
    if (!people.devicesOf(persona).contains(device)) {
      return;
    }
    List<PersonaId> named = record.getMailboxesList().stream().filter(b -> b.size() == NodeId.BYTES)
        .limit(Mailbox.MAX_NAMED).map(b -> PersonaId.of(b.toByteArray())).distinct().toList();
    synchronized (this) {
      Named held = lists.get(persona);
      // A device that names none (one where the person did not choose) does not clear another's list.
      if (held != null && (held.mailboxes().equals(named) || (named.isEmpty() && !held.device().equals(device)))) {
        return;
      }
      if (held == null && (named.isEmpty() || lists.size() >= MAX_LISTS)) {
        return;
      }
      lists.put(persona, new Named(named, device));
      JsonObject o = new JsonObject();
      o.add("mailboxes", json(named));
      o.addProperty("device", device.toString());
      save(NAMES + persona, o);
    }
  }

  /** Return the mailboxes {@code persona} named, as this node last saw. */
  synchronized List<PersonaId> namedBy(PersonaId persona) {
    Named n = lists.get(persona);
    return n == null ? List.of() : n.mailboxes();
  }

  // ---- holding

  // The answer to one request from the proven peer `peer` (on the stream's loop).
  byte[] answer(NodeId peer, byte[] req) {
    if (req.length < 33) {
      count("malformed");
      return new byte[] {1};
    }
    PersonaId owner = PersonaId.of(java.util.Arrays.copyOfRange(req, 1, 33));
    byte[] payload = java.util.Arrays.copyOfRange(req, 33, req.length);
    long now = nowMs.getAsLong();
    Optional<dev.wormholes.people.Contact> from = people.acceptedContactOf(peer);
    boolean ownerDevice = from.isPresent() && from.get().persona().equals(owner);
    boolean contact = from.isPresent();
    Optional<PersonaId> self = people.personaOfThisDevice();
    synchronized (this) {
      switch (req[0]) {
        case DEPOSIT -> {
          boolean named = self.isPresent() && namedBy(owner).contains(self.get());
          Mailbox.Verdict v = box.deposit(owner, peer, contact, named, payload, now);
          if (v == Mailbox.Verdict.STORED) {
            String id = Mailbox.idOf(owner, payload);
            JsonObject o = new JsonObject();
            o.addProperty("id", id);
            o.addProperty("owner", owner.toString());
            o.addProperty("sender", peer.toString());
            o.addProperty("blob", Base64.getEncoder().encodeToString(payload));
            o.addProperty("at", now);
            save(BOX + owner + "/" + id, o);
          }
          dropRemoved();
          return new byte[] {(byte) v.ordinal()};
        }
        case FETCH -> {
          Optional<List<Mailbox.Item>> items = box.fetch(owner, ownerDevice, now);
          dropRemoved();
          if (items.isEmpty()) {
            return new byte[] {1, 0};
          }
          ByteBuffer b = ByteBuffer.allocate(2 + items.get().stream().mapToInt(i -> 34 + i.blob().length).sum());
          b.put((byte) 0).put((byte) items.get().size());
          items.get().forEach(i -> b.put(i.sender().toBytes()).putShort((short) i.blob().length).put(i.blob()));
          return b.array();
        }
        case ACK -> {
          List<String> ids = new ArrayList<>();
          for (int i = 0; i + 32 <= payload.length && ids.size() < Mailbox.FETCH_BATCH; i += 32) {
            ids.add(new String(payload, i, 32, StandardCharsets.US_ASCII));
          }
          int n = box.ack(owner, ownerDevice, ids);
          dropRemoved();
          return new byte[] {(byte) (n < 0 ? 1 : 0), (byte) Math.max(n, 0)};
        }
        default -> {
          count("malformed");
          return new byte[] {1};
        }
      }
    }
  }

  // Delete the stored copies of the blobs that left the mailbox (guarded by this).
  private void dropRemoved() {
    box.pollRemoved().forEach(i -> store.removeWhisper(BOX + i.owner() + "/" + i.id()));
  }

  // ---- depositing

  /**
   * After failed direct attempt number {@code failedAttempts} of the whisper {@code message} to
   * persona {@code to}, deposit it (sealed once into {@code sealed}: null until then) with those of
   * the persona's mailboxes {@link Mailbox#depositTo} names; complete with the mailboxes that hold
   * it now and the sealed blob.
   */
  CompletableFuture<Deposited> depositFor(PersonaId to, byte[] message, byte[] sealed, Set<PersonaId> done,
      int failedAttempts) {
    Post p = post;
    List<PersonaId> targets = Mailbox.depositTo(namedBy(to), done, people.personaOfThisDevice().orElse(null),
        failedAttempts);
    if (p == null || targets.isEmpty()) {
      return CompletableFuture.completedFuture(new Deposited(List.of(), sealed));
    }
    byte[] blob = sealed != null ? sealed : WhisperSeal.seal(people, to, message).orElse(null);
    if (blob == null) {
      count("unsealable");
      return CompletableFuture.completedFuture(new Deposited(List.of(), null));
    }
    byte[] req = request(DEPOSIT, to, blob);
    List<CompletableFuture<Optional<PersonaId>>> each = new ArrayList<>();
    for (PersonaId mb : targets) {
      each.add(askDevices(p, choice.order(people.devicesOf(mb)), req, 0)
          .thenApply(a -> a.length == 1 && Mailbox.Verdict.of(a[0] & 0xff).held() ? Optional.of(mb) : Optional.<PersonaId>empty()));
    }
    return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(x -> {
      List<PersonaId> held = each.stream().map(CompletableFuture::join).flatMap(Optional::stream).toList();
      count(held.isEmpty() ? "deposit_failed" : "deposited");
      return new Deposited(held, blob);
    });
  }

  /** What {@link #depositFor} did: the mailboxes that hold the whisper, the blob sealed (null: none). */
  record Deposited(List<PersonaId> held, byte[] sealed) {}

  // Ask the devices from index i on until one answers; complete with the answer (empty: none did).
  private CompletableFuture<byte[]> askDevices(Post p, List<NodeId> devices, byte[] req, int i) {
    if (i >= devices.size()) {
      return CompletableFuture.completedFuture(new byte[0]);
    }
    NodeId node = devices.get(i);
    CompletableFuture<byte[]> asked;
    try {
      asked = p.ask(node, req);
    } catch (RuntimeException e) {
      asked = CompletableFuture.failedFuture(e);
    }
    return asked.orTimeout(ASK_TIMEOUT_MS, TimeUnit.MILLISECONDS).handle((a, err) -> {
      if (a != null) {
        choice.onAnswer(node);
        return CompletableFuture.completedFuture(a);
      }
      choice.onFailure(node);
      return askDevices(p, devices, req, i + 1);
    }).thenCompose(f -> f);
  }

  private static byte[] request(byte op, PersonaId owner, byte[] payload) {
    return ByteBuffer.allocate(33 + payload.length).put(op).put(owner.toBytes()).put(payload).array();
  }

  // ---- fetching

  // On the timer: expire held blobs; visit this person's mailboxes when due.
  private void tick() {
    try {
      long now = nowMs.getAsLong();
      List<PersonaId> visit;
      Optional<PersonaId> self = people.personaOfThisDevice();
      synchronized (this) {
        box.expire(now);
        dropRemoved();
        if (mine.isEmpty() || self.isEmpty() || post == null || !visits.begin(now)) {
          return;
        }
        visit = mine;
      }
      visitAll(self.get(), visit).get();
    } catch (Exception e) {
      LOG.warn("mailbox visit failed: {}", e.toString());
      synchronized (this) {
        visits.done(nowMs.getAsLong(), false);
      }
    }
  }

  /** Fetch from each of {@code mailboxes} what they hold for {@code self}; the visit ends with them. */
  CompletableFuture<Boolean> visitAll(PersonaId self, List<PersonaId> mailboxes) {
    List<CompletableFuture<Boolean>> each = mailboxes.stream().map(mb -> fetchFrom(self, mb, 0)).toList();
    return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(x -> {
      boolean all = each.stream().allMatch(CompletableFuture::join);
      synchronized (this) {
        visits.done(nowMs.getAsLong(), all);
      }
      return all;
    });
  }

  // Fetch one batch from mailbox `mb`, take and acknowledge it, and go on while batches are full.
  private CompletableFuture<Boolean> fetchFrom(PersonaId self, PersonaId mb, int round) {
    Post p = post;
    List<NodeId> devices = choice.order(people.devicesOf(mb));
    return askDevices(p, devices, request(FETCH, self, new byte[0]), 0).thenCompose(a -> {
      if (a.length < 2 || a[0] != 0) {
        count(a.length == 0 ? "visit_unreached" : "visit_refused");
        return CompletableFuture.completedFuture(false);
      }
      List<String> ack = new ArrayList<>();
      int n = a[1] & 0xff;
      ByteBuffer b = ByteBuffer.wrap(a, 2, a.length - 2);
      for (int i = 0; i < n && b.remaining() >= 34; i++) {
        b.position(b.position() + 32); // the depositing device: the signature inside names the sender
        int len = Short.toUnsignedInt(b.getShort());
        if (len > b.remaining() || len > Mailbox.MAX_BLOB) {
          break;
        }
        byte[] blob = new byte[len];
        b.get(blob);
        if (take(blob)) {
          ack.add(Mailbox.idOf(self, blob));
        }
      }
      if (ack.isEmpty()) {
        return CompletableFuture.completedFuture(true);
      }
      byte[] ids = String.join("", ack).getBytes(StandardCharsets.US_ASCII);
      return askDevices(p, devices, request(ACK, self, ids), 0).thenCompose(x ->
          n >= Mailbox.FETCH_BATCH && ack.size() == n && round < 8 ? fetchFrom(self, mb, round + 1)
              : CompletableFuture.completedFuture(true));
    });
  }

  // Open and take one fetched blob; return whether to acknowledge it (taken, or never takeable).
  private boolean take(byte[] blob) {
    WhisperSeal.Opened o = WhisperSeal.open(people, blob);
    if (o instanceof WhisperSeal.NotHere) {
      count("fetched_not_here");
      return false;
    }
    if (o instanceof WhisperSeal.Bad bad) {
      count("fetched_unopened");
      LOG.info("dropping a mailbox blob that does not open: {}", bad.why());
      return true;
    }
    WhisperOutbox.Answer a = deliver.apply(((WhisperSeal.Message) o).bytes());
    count("fetched_" + a.name().toLowerCase(Locale.ROOT));
    return a != WhisperOutbox.Answer.RATE_LIMITED;
  }

  // ---- reading

  /** Return the named mailboxes, what this node holds for others, and the counts. */
  public synchronized JsonObject status() {
    JsonObject r = new JsonObject();
    JsonArray names = new JsonArray();
    for (PersonaId p : mine) {
      JsonObject o = new JsonObject();
      o.addProperty("persona", p.toString());
      people.devicesOf(p).stream().findFirst().flatMap(people::acceptedContactOf)
          .ifPresent(c -> o.addProperty("name", c.petname()));
      names.add(o);
    }
    r.add("mailboxes", names);
    JsonObject held = new JsonObject();
    box.heldByOwner().forEach((owner, n) -> held.addProperty(owner.toString(), n));
    r.add("holding", held);
    JsonObject refused = new JsonObject();
    box.refused().forEach(refused::addProperty);
    r.add("refused", refused);
    JsonObject ev = new JsonObject();
    events.forEach(ev::addProperty);
    r.add("events", ev);
    return r;
  }

  /** Return the refusals of deposits, fetches and acknowledgements, by reason. */
  public synchronized Map<String, Long> refused() {
    return box.refused();
  }

  /** Return the counts of what this node did as a sender and owner (deposited, fetched_stored, ...). */
  public synchronized Map<String, Long> events() {
    return Map.copyOf(events);
  }

  private synchronized void count(String what) {
    events.merge(what, 1L, Long::sum);
  }

  private void save(String key, JsonObject o) {
    store.saveWhisper(key, vault.seal(key, o.toString().getBytes(StandardCharsets.UTF_8)));
  }

  private static JsonArray json(List<PersonaId> ps) {
    JsonArray a = new JsonArray();
    ps.forEach(p -> a.add(p.toString()));
    return a;
  }

  private static List<PersonaId> personas(JsonArray a) {
    List<PersonaId> out = new ArrayList<>();
    a.forEach(e -> out.add(persona(e.getAsString())));
    return List.copyOf(out);
  }

  private static PersonaId persona(String s) {
    return PersonaId.parse(s).orElseThrow();
  }

  /** Stop the timer (held blobs stay in the store for the next start). */
  @Override
  public void close() {
    timer.shutdownNow();
  }
}
