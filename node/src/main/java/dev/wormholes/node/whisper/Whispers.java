package dev.wormholes.node.whisper;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.wormholes.node.api.ApiException;
import dev.wormholes.node.api.WhisperControl;
import dev.wormholes.node.people.DeviceOrder;
import dev.wormholes.node.people.People;
import dev.wormholes.node.socks.StreamDialer;
import dev.wormholes.node.store.NodeStore;
import dev.wormholes.node.stream.Exposure;
import dev.wormholes.node.stream.StreamTransport;
import dev.wormholes.people.Contact;
import dev.wormholes.people.PersonaId;
import dev.wormholes.people.WhisperIntake;
import dev.wormholes.people.WhisperOutbox;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
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
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whispers between contacts: the driver of {@link WhisperOutbox} (when to retry) and {@link
 * WhisperIntake} (whom to take whispers from). Sending: the signed whisper ({@link
 * WhisperMessage}) goes into the outbox in the {@link NodeStore} (durable before anything is
 * sent; every record sealed at rest by {@link WhisperVault}, one stored in the clear by an earlier
 * version sealed when it is loaded), then over a secure stream to the internal service {@link #SERVICE} on a device of the
 * recipient. A whisper to a contact is addressed to the contact's persona, and each attempt tries
 * the persona's devices (as its key log lists them at that moment) in the order the node's {@link
 * DeviceOrder} gives (the one that answered last first, those that failed in the last minute, on
 * any path, last), going on to the next device while {@link WhisperOutbox#tryNextDevice} says so (no answer,
 * a rate limit, or a refusal another device may not share), reporting each device's outcome to the
 * choice; {@link WhisperOutbox#answerOfDevices} makes the attempt's answer of the devices'. A
 * whisper to a node id goes to that node alone. Until a device answers that it stored it, the sender retries on {@link
 * WhisperOutbox}'s schedule (after 2 s, doubling up to 30 s, for 7 days) and at every start, and
 * the recipient gets the very same signed bytes later (same id, so a whisper that arrived but whose
 * answer was lost is stored once). After a few failed attempts a whisper to a person is also
 * deposited, sealed to the person, with the mailbox friends the person named ({@link Mailboxes}),
 * from whom the person fetches it on return ({@link #takeFromMailbox}); whichever copy arrives
 * first is stored, the other acknowledged as held.
 *
 * <p>Receiving: {@link WhisperIntake} decides (a device of an accepted contact, this node or the
 * persona it is a device of the recipient, signed by the stream's proven peer key, within {@link
 * WhisperIntake#PER_SENDER_PER_MINUTE} a minute from that device); a taken whisper is stored
 * durably before the sender hears {@code STORED}. Refusals are counted by reason ({@link
 * #refused()}). The inbox keeps the newest {@link #INBOX_MAX}; the outbox holds at most {@link
 * #OUTBOX_MAX} waiting whispers ({@link #OUTBOX_PER_RECIPIENT} per recipient) and the last {@link
 * #FINISHED_KEPT} finished ones.
 *
 * <p>Thread-safe: the API's thread, the streams' event loop and the retry thread call in; state is
 * guarded by this.
 */
public final class Whispers implements WhisperControl, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Whispers.class);
  /** The internal service whispers arrive on (open to every node; the contact check is ours). */
  public static final String SERVICE = "wh-whisper";
  /** Whispers kept in the inbox; the oldest goes first. */
  public static final int INBOX_MAX = 1000;
  /** Whispers waiting in the outbox at most. */
  public static final int OUTBOX_MAX = 256;
  /** Whispers waiting for one recipient at most. */
  public static final int OUTBOX_PER_RECIPIENT = 32;
  /** Delivered, refused and expired whispers kept for display. */
  static final int FINISHED_KEPT = 100;
  /** How long {@link #whisper} waits for the first attempt before answering {@code queued}. */
  static final long SEND_WAIT_MS = 8_000;
  /** Bound on one device's part of a delivery attempt: lookup, handshake, one round trip. */
  static final long ATTEMPT_TIMEOUT_MS = 20_000;

  /** Carries one signed whisper to one node and completes with its answer (a stream of {@link #SERVICE}). */
  @FunctionalInterface
  interface Courier {
    CompletableFuture<WhisperOutbox.Answer> carry(NodeId node, byte[] message);
  }

  private static final String SEQ_KEY = "seq";
  private static final String IN = "in/";
  private static final String OUT = "out/";

  private final NodeStore store;
  private final WhisperVault vault;
  private final Identity device;
  private final People people;
  private final LongSupplier nowMs;
  private volatile Courier courier;
  private volatile Mailboxes mailboxes;
  private final ScheduledExecutorService retry;
  // Guarded by this. Inbox by store key (receive time, id): oldest first.
  private final TreeMap<String, JsonObject> inbox = new TreeMap<>();
  private final Set<String> inboxIds = new HashSet<>();
  // Outbox by id, in creation order.
  private final LinkedHashMap<String, JsonObject> outbox = new LinkedHashMap<>();
  private final WhisperOutbox schedule = new WhisperOutbox();
  private final WhisperIntake intake;
  private final DeviceOrder choice;
  private long seq;

  private Whispers(NodeStore store, Identity device, People people, LongSupplier nowMs, DeviceOrder choice) {
    this.store = store;
    this.choice = choice;
    this.device = device;
    this.people = people;
    this.nowMs = nowMs;
    this.intake = new WhisperIntake(device.id());
    this.vault = WhisperVault.of(device);
    long now = nowMs.getAsLong();
    for (Map.Entry<String, byte[]> e : store.loadWhispers().entrySet()) {
      Optional<byte[]> plain = vault.open(e.getKey(), e.getValue());
      if (plain.isEmpty()) {
        LOG.warn("ignoring the whisper record {}: it does not open with this node's key", e.getKey());
        continue;
      }
      if (!WhisperVault.isSealed(e.getValue())) {
        save(e.getKey(), plain.get()); // kept in the clear by an earlier version: sealed from now on
      }
      if (e.getKey().equals(SEQ_KEY) && plain.get().length == 8) {
        seq = ByteBuffer.wrap(plain.get()).getLong();
        continue;
      }
      JsonObject o;
      try {
        o = JsonParser.parseString(new String(plain.get(), StandardCharsets.UTF_8)).getAsJsonObject();
      } catch (RuntimeException ex) {
        LOG.warn("ignoring an unreadable whisper record {}", e.getKey());
        continue;
      }
      if (e.getKey().startsWith(IN)) {
        inbox.put(e.getKey(), o);
        inboxIds.add(o.get("id").getAsString());
      } else if (e.getKey().startsWith(OUT)) {
        outbox.put(o.get("id").getAsString(), o);
      }
    }
    List<JsonObject> byTime = new ArrayList<>(outbox.values());
    byTime.sort((a, b) -> Long.compare(a.get("createdAtMs").getAsLong(), b.get("createdAtMs").getAsLong()));
    outbox.clear();
    byTime.forEach(o -> outbox.put(o.get("id").getAsString(), o));
    for (JsonObject o : byTime) {
      if (state(o).equals("queued")) {
        schedule.add(o.get("id").getAsString(), o.get("createdAtMs").getAsLong(), o.get("attempts").getAsInt(), now);
      }
    }
    this.retry = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "wormholes-whispers");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Return the whispers of the node {@code device}, kept in {@code store}, from the contacts of
   * {@code people}; the outbox on wall-clock {@code nowMs}, a person's devices tried in the node's
   * {@code choice} order.
   */
  public static Whispers open(NodeStore store, Identity device, People people, LongSupplier nowMs,
      DeviceOrder choice) {
    return new Whispers(store, device, people, nowMs, choice);
  }

  /** Take whispers on {@code t}, send them with {@code d}, and start retrying the outbox every {@code tickMs}. */
  public void attach(StreamTransport t, StreamDialer d, long tickMs) {
    t.expose(SERVICE, Exposure.open(stream -> WhisperStream.serve(stream, bytes -> take(stream.peer(), bytes))));
    attach((node, message) -> d.dial(node, SERVICE).thenCompose(s -> WhisperStream.send(s, message)), tickMs);
  }

  /** Send whispers with {@code c} and start retrying the outbox every {@code tickMs}. */
  void attach(Courier c, long tickMs) {
    courier = c;
    retry.scheduleWithFixedDelay(this::retryDue, tickMs, tickMs, TimeUnit.MILLISECONDS);
  }

  /** Deposit whispers that wait too long with their recipients' mailbox friends through {@code m}. */
  public void useMailboxes(Mailboxes m) {
    mailboxes = m;
  }

  @Override
  public JsonObject mailbox(String action, String name) {
    Mailboxes m = mailboxes;
    if (m == null) {
      throw new ApiException(503, "this node has no mailboxes");
    }
    return m.name(action, name);
  }

  // ---- sending

  @Override
  public CompletableFuture<JsonObject> whisper(String to, String text) {
    int bytes = text.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > WhisperMessage.MAX_TEXT_BYTES) {
      throw new ApiException(413, "the whisper is " + bytes + " bytes; the limit is " + WhisperMessage.MAX_TEXT_BYTES);
    }
    Recipient r = resolve(to);
    String id;
    synchronized (this) {
      long waiting = waiting();
      long waitingFor = outbox.values().stream()
          .filter(o -> state(o).equals("queued") && o.get("node").getAsString().equals(r.id().toString())).count();
      if (waiting >= OUTBOX_MAX || waitingFor >= OUTBOX_PER_RECIPIENT) {
        throw new ApiException(429, "the outbox is full (" + waiting + " waiting, " + waitingFor + " for " + r.label()
            + "); whispers wait until their recipients come online");
      }
      long now = nowMs.getAsLong();
      seq++;
      save(SEQ_KEY, ByteBuffer.allocate(8).putLong(seq).array());
      WhisperMessage m = WhisperMessage.sign(device, r.id(), seq, now, text);
      id = m.id();
      JsonObject o = new JsonObject();
      o.addProperty("id", id);
      o.addProperty("to", r.label());
      o.addProperty("node", r.id().toString());
      if (r.persona()) {
        o.addProperty("persona", true);
      }
      o.addProperty("seq", seq);
      o.addProperty("createdAtMs", now);
      o.addProperty("state", "queued");
      o.addProperty("attempts", 0);
      o.addProperty("text", text);
      o.addProperty("message", Base64.getEncoder().encodeToString(m.encoded()));
      saveOut(o);
      outbox.put(id, o);
      schedule.add(id, now, 0, now);
    }
    return attempt(id).completeOnTimeout(null, SEND_WAIT_MS, TimeUnit.MILLISECONDS).thenApply(x -> {
      synchronized (this) {
        return outJson(outbox.get(id));
      }
    });
  }

  /** Whom a whisper is addressed to: a persona ({@code persona}) or a node, by its id. */
  private record Recipient(NodeId id, boolean persona, String label) {}

  // A petname or a contact's persona id (addressed to the persona), or a node id (to that node).
  private Recipient resolve(String to) {
    String name = to.strip().toLowerCase(Locale.ROOT);
    Optional<PersonaId> named = people.personaNamed(name);
    if (named.isPresent() && !people.devicesOf(name).isEmpty()) {
      return new Recipient(named.get().value(), true, name);
    }
    Optional<NodeId> id = NodeId.parse(to.strip());
    if (id.isPresent()) {
      boolean persona = !people.devicesOf(new PersonaId(id.get())).isEmpty();
      return new Recipient(id.get(), persona, persona ? name : id.get().toString());
    }
    throw new ApiException(404, "no contact called '" + ApiException.clip(to) + "' (a petname, a persona id or a node id)");
  }

  // Start one delivery attempt of `id` unless one runs; complete when it ends.
  private CompletableFuture<Void> attempt(String id) {
    JsonObject o;
    synchronized (this) {
      o = outbox.get(id);
      if (o == null || !schedule.begin(id)) {
        return CompletableFuture.completedFuture(null);
      }
    }
    return send(id, o);
  }

  // Send `id` (its attempt begun in the schedule); complete when the attempt ends. The caller gets
  // a copy: completing it early (whisper's wait for the first answer) must not complete the
  // future whose handler finishes the attempt, or CompletableFuture skips that handler and the
  // whisper stays in flight, never retried.
  private CompletableFuture<Void> send(String id, JsonObject o) {
    Courier c = courier;
    byte[] message = Base64.getDecoder().decode(o.get("message").getAsString());
    NodeId to = NodeId.parse(o.get("node").getAsString()).orElseThrow();
    List<NodeId> devices = o.has("persona") ? devicesInOrder(new PersonaId(to)) : List.of(to);
    CompletableFuture<Delivery> delivery = c == null
        ? CompletableFuture.failedFuture(new IllegalStateException("streams are not started"))
        : devices.isEmpty() ? CompletableFuture.failedFuture(new IllegalStateException("no device of the persona is known"))
        : deliver(c, devices, message, new ArrayList<>(), null);
    return delivery.<Void>handle((d, err) -> {
          finish(id, d == null ? null : d.answer(), d == null ? null : d.device(), d == null ? err : d.error());
          return null;
        }).copy();
  }

  /** How one attempt ended: its answer (null: none), the last device tried, why the last device that gave no answer gave none. */
  private record Delivery(WhisperOutbox.Answer answer, NodeId device, Throwable error) {}

  // Try devices.get(answers.size()), then the next ones while WhisperOutbox.tryNextDevice says so;
  // `failure`: why the last device without an answer gave none.
  private CompletableFuture<Delivery> deliver(Courier c, List<NodeId> devices, byte[] message,
      List<WhisperOutbox.Answer> answers, Throwable failure) {
    NodeId node = devices.get(answers.size());
    CompletableFuture<WhisperOutbox.Answer> carried;
    try {
      carried = c.carry(node, message);
    } catch (RuntimeException e) {
      carried = CompletableFuture.failedFuture(e);
    }
    return carried.orTimeout(ATTEMPT_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .handle((a, err) -> {
          if (a != null) {
            choice.onAnswer(node);
          } else {
            choice.onFailure(node);
          }
          answers.add(a);
          Throwable why = a == null ? err : failure;
          return answers.size() < devices.size() && WhisperOutbox.tryNextDevice(a)
              ? deliver(c, devices, message, answers, why)
              : CompletableFuture.completedFuture(new Delivery(WhisperOutbox.answerOfDevices(answers), node, why));
        }).thenCompose(f -> f);
  }

  // The devices of contact persona `p` (key-log order) in the order to try them now.
  private List<NodeId> devicesInOrder(PersonaId p) {
    return choice.order(people.devicesOf(p));
  }

  private synchronized void finish(String id, WhisperOutbox.Answer a, NodeId by, Throwable err) {
    JsonObject o = outbox.get(id);
    long now = nowMs.getAsLong();
    WhisperOutbox.Outcome outcome = WhisperOutbox.outcomeOf(a);
    Optional<WhisperOutbox.Next> next = schedule.handleOutcome(id, outcome, now);
    if (o == null || next.isEmpty()) {
      return;
    }
    o.addProperty("attempts", o.get("attempts").getAsInt() + 1);
    switch (next.get()) {
      case DELIVERED -> {
        o.addProperty("state", "delivered");
        o.addProperty("deliveredAtMs", now);
        o.addProperty("deliveredTo", by.toString());
        o.remove("reason");
      }
      case REFUSED -> {
        o.addProperty("state", "refused");
        o.addProperty("reason", a.name().toLowerCase(Locale.ROOT));
      }
      case EXPIRED -> o.addProperty("state", "expired");
      case RETRY -> {
        o.addProperty("reason", a != null ? a.name().toLowerCase(Locale.ROOT) : reason(err));
        depositLater(id, o);
      }
    }
    saveOut(o);
    if (!state(o).equals("queued")) {
      trimFinished();
    }
  }

  // Hand the waiting whisper `o` (to a person) to the mailboxes, which deposit it when due; note where it went.
  private void depositLater(String id, JsonObject o) {
    Mailboxes m = mailboxes;
    if (m == null || !o.has("persona")) {
      return;
    }
    Set<PersonaId> done = new HashSet<>();
    if (o.has("mailboxes")) {
      o.getAsJsonArray("mailboxes").forEach(e -> PersonaId.parse(e.getAsString()).ifPresent(done::add));
    }
    byte[] sealed = o.has("sealed") ? Base64.getDecoder().decode(o.get("sealed").getAsString()) : null;
    m.depositFor(new PersonaId(NodeId.parse(o.get("node").getAsString()).orElseThrow()),
        Base64.getDecoder().decode(o.get("message").getAsString()), sealed, done, o.get("attempts").getAsInt())
        .thenAccept(dep -> {
          synchronized (this) {
            JsonObject now = outbox.get(id);
            if (now == null || dep.sealed() == null || (dep.held().isEmpty() && sealed != null)) {
              return;
            }
            now.addProperty("sealed", Base64.getEncoder().encodeToString(dep.sealed()));
            JsonArray at = now.has("mailboxes") ? now.getAsJsonArray("mailboxes") : new JsonArray();
            dep.held().forEach(p -> at.add(p.toString()));
            now.add("mailboxes", at);
            saveOut(now);
          }
        });
  }

  private void trimFinished() {
    List<String> finished = new ArrayList<>();
    outbox.forEach((id, o) -> {
      if (!state(o).equals("queued")) {
        finished.add(id);
      }
    });
    for (int i = 0; i < finished.size() - FINISHED_KEPT; i++) {
      outbox.remove(finished.get(i));
      store.removeWhisper(OUT + finished.get(i));
    }
  }

  // On the retry thread: start the attempts the schedule finds due.
  private void retryDue() {
    Map<String, JsonObject> due = new LinkedHashMap<>();
    synchronized (this) {
      for (String id : schedule.pollDue(nowMs.getAsLong())) {
        due.put(id, outbox.get(id));
      }
    }
    due.forEach(this::send);
  }

  // ---- receiving

  /** Decide on one incoming whisper from the proven peer {@code peer}; store it durably first if taken. */
  WhisperOutbox.Answer take(NodeId peer, byte[] bytes) {
    WhisperMessage.Decoded d = WhisperMessage.decode(bytes);
    if (d instanceof WhisperMessage.Bad bad) {
      synchronized (this) {
        intake.malformed(bad.failure().name());
      }
      return WhisperOutbox.Answer.MALFORMED;
    }
    return take(peer, ((WhisperMessage.Ok) d).message(), false);
  }

  /**
   * Decide on one whisper a mailbox friend held for this person (opened from its seal): as one
   * that came directly from its signer, so the inner signature stands for the stream's proven peer;
   * a whisper held already (it came by retry too) is acknowledged again and stored once.
   */
  public WhisperOutbox.Answer takeFromMailbox(byte[] bytes) {
    WhisperMessage.Decoded d = WhisperMessage.decode(bytes);
    if (d instanceof WhisperMessage.Bad bad) {
      synchronized (this) {
        intake.malformed(bad.failure().name());
      }
      return WhisperOutbox.Answer.MALFORMED;
    }
    WhisperMessage m = ((WhisperMessage.Ok) d).message();
    return take(m.sender(), m, true);
  }

  private WhisperOutbox.Answer take(NodeId peer, WhisperMessage m, boolean viaMailbox) {
    Optional<Contact> from = people.acceptedContactOf(peer);
    PersonaId persona = people.personaOfThisDevice().orElse(null);
    synchronized (this) {
      String id = m.id();
      long now = nowMs.getAsLong();
      WhisperIntake.Verdict v = intake.judge(peer, m.sender(), m.recipient(), persona, from.isPresent(),
          inboxIds.contains(id), now);
      if (v != WhisperIntake.Verdict.TAKE) {
        return v.answer();
      }
      JsonObject o = new JsonObject();
      o.addProperty("id", id);
      o.addProperty("from", from.get().petname());
      o.addProperty("persona", from.get().persona().toString());
      o.addProperty("node", peer.toString());
      o.addProperty("seq", m.seq());
      o.addProperty("sentAt", Instant.ofEpochMilli(m.sentAtMs()).toString());
      o.addProperty("receivedAt", Instant.ofEpochMilli(now).toString());
      o.addProperty("text", m.text());
      if (viaMailbox) {
        o.addProperty("via", "mailbox");
      }
      o.addProperty("message", Base64.getEncoder().encodeToString(m.encoded()));
      String key = String.format(Locale.ROOT, "%s%013d/%s", IN, now, id);
      save(key, o.toString().getBytes(StandardCharsets.UTF_8));
      inbox.put(key, o);
      inboxIds.add(id);
      while (inbox.size() > INBOX_MAX) {
        Map.Entry<String, JsonObject> oldest = inbox.pollFirstEntry();
        inboxIds.remove(oldest.getValue().get("id").getAsString());
        store.removeWhisper(oldest.getKey());
      }
      return WhisperOutbox.Answer.STORED;
    }
  }

  // ---- reading

  @Override
  public synchronized JsonObject whispers() {
    JsonArray in = new JsonArray();
    inbox.values().forEach(o -> {
      JsonObject c = o.deepCopy();
      c.remove("message");
      in.add(c);
    });
    JsonArray out = new JsonArray();
    outbox.values().forEach(o -> out.add(outJson(o)));
    JsonObject r = new JsonObject();
    r.add("inbox", in);
    r.add("outbox", out);
    JsonObject ref = new JsonObject();
    new TreeMap<>(intake.refused()).forEach(ref::addProperty);
    r.add("refused", ref);
    return r;
  }

  /** Return how many whispers wait in the outbox for their recipient. */
  public synchronized int waiting() {
    return (int) outbox.values().stream().filter(o -> state(o).equals("queued")).count();
  }

  @Override
  public synchronized Map<String, Long> refused() {
    return intake.refused();
  }

  private static JsonObject outJson(JsonObject o) {
    JsonObject c = o.deepCopy();
    c.remove("message");
    c.remove("sealed");
    c.addProperty("createdAt", Instant.ofEpochMilli(o.get("createdAtMs").getAsLong()).toString());
    if (o.has("deliveredAtMs")) {
      c.addProperty("deliveredAt", Instant.ofEpochMilli(o.get("deliveredAtMs").getAsLong()).toString());
    }
    return c;
  }

  private void saveOut(JsonObject o) {
    save(OUT + o.get("id").getAsString(), o.toString().getBytes(StandardCharsets.UTF_8));
  }

  // Store the record `key` sealed (one durable write: the record is there whole, or as it was).
  private void save(String key, byte[] plain) {
    store.saveWhisper(key, vault.seal(key, plain));
  }

  private static String state(JsonObject o) {
    return o.get("state").getAsString();
  }

  private static String reason(Throwable err) {
    Throwable c = err;
    while (c instanceof java.util.concurrent.CompletionException && c.getCause() != null) {
      c = c.getCause();
    }
    return c == null ? "no answer" : c instanceof java.util.concurrent.TimeoutException ? "no answer in time"
        : "unreachable: " + ApiException.clip(String.valueOf(c.getMessage()));
  }

  /** Stop retrying (the outbox stays in the store for the next start). */
  @Override
  public void close() {
    retry.shutdownNow();
    Mailboxes m = mailboxes;
    if (m != null) {
      m.close();
    }
  }
}
