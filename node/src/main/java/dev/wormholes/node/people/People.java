package dev.wormholes.node.people;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.wormholes.node.api.ApiException;
import dev.wormholes.node.api.PeopleControl;
import dev.wormholes.node.socks.StreamDialer;
import dev.wormholes.node.store.NodeStore;
import dev.wormholes.node.stream.Exposure;
import dev.wormholes.node.stream.ServiceRefusedException;
import dev.wormholes.node.stream.StreamTransport;
import dev.wormholes.people.Contact;
import dev.wormholes.people.CodeInvites;
import dev.wormholes.people.ContactBook;
import dev.wormholes.people.ContactCodec;
import dev.wormholes.people.ContactRequests;
import dev.wormholes.people.ContactState;
import dev.wormholes.people.Events;
import dev.wormholes.people.Invite;
import dev.wormholes.people.InviteHandshake;
import dev.wormholes.people.Invites;
import dev.wormholes.people.KeyLog;
import dev.wormholes.people.LogResult;
import dev.wormholes.people.DeviceInvite;
import dev.wormholes.people.LogFetch;
import dev.wormholes.people.LogItems;
import dev.wormholes.people.KeyState;
import dev.wormholes.people.PersonaId;
import dev.wormholes.people.Pushes;
import dev.wormholes.people.Recovery;
import dev.wormholes.people.RecoveryCode;
import dev.wormholes.people.Tofu;
import dev.wormholes.people.wire.CodeAnswer;
import dev.wormholes.people.wire.CodeRequest;
import dev.wormholes.people.wire.PersonaAnswer;
import dev.wormholes.people.wire.PersonaRequest;
import dev.wormholes.people.wire.InviteAccept;
import dev.wormholes.people.wire.InviteAnswer;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.security.SecureRandom;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's persona and contacts: the daemon side of the people module. On first start it makes a
 * persona (signing key kept in the store, the pre-committed next key handed out once as the
 * recovery code and never stored), with this node as its first device. It serves the invite
 * handshake on the internal service {@link #SERVICE}, keeps contacts in the {@link NodeStore}
 * (they survive restarts), answers the control API ({@link PeopleControl}), resolves petnames to
 * device node ids, and tells the {@link ApprovalGate} which nodes are accepted contacts' devices.
 *
 * <p>Thread-safe: API threads and the streams' event loop call in; state is guarded by this.
 */
public final class People implements PeopleControl {
  private static final Logger LOG = LoggerFactory.getLogger(People.class);
  /** The internal service of the invite handshake (open to everyone: an invite is the approval). */
  public static final String SERVICE = "wh-people";
  /** How long an accept may take: a DHT lookup, a handshake, one round trip. */
  static final long ACCEPT_TIMEOUT_SECONDS = 15;

  static final String SEED_KEY = "persona.seed";
  static final String LOG_KEY = "persona.log";
  static final String CONTACT_PREFIX = "contact/";
  static final String ALARMS_KEY = "persona.alarms";
  /** The seed of the recovery locator ({@link Recovery#locator}) of the code this device made. */
  static final String LOCATOR_KEY = "persona.locator";
  /** Alarms kept (the newest). */
  static final int MAX_ALARMS = 16;

  private final NodeStore store;
  private final Identity device;
  private final SecureRandom random;
  private final LongSupplier nowSeconds;
  private final ApprovalGate gate;
  // Guarded by this.
  private Identity signer;
  private KeyLog log;
  private final ContactBook book = new ContactBook();
  private final Invites invites = new Invites();
  private final Invites deviceInvites = new Invites();
  private final ContactRequests requests = new ContactRequests();
  private final Pushes pushes = new Pushes();
  private final CodeInvites codes = new CodeInvites(); // guarded by itself (its exchange is slow)
  private final DeviceOrder deviceOrder = new DeviceOrder(); // thread-safe itself
  private final ContactMirror mirror; // the contacts kept in step across the persona's devices
  private final java.util.Deque<String> alarms = new java.util.ArrayDeque<>();
  private String recoveryCode;
  private Identity locator; // of the last recovery code this device made; null if none
  // Set once by attach.
  private volatile StreamDialer dialer;
  private volatile StreamTransport transport;
  private volatile LogSync sync;

  private People(NodeStore store, Identity device, SecureRandom random, LongSupplier nowSeconds) {
    this.store = store;
    this.device = device;
    this.random = random;
    this.nowSeconds = nowSeconds;
    this.gate = new ApprovalGate(this::mayUseServices);
    Map<String, byte[]> held = store.loadPeople();
    if (held.containsKey(SEED_KEY) && held.containsKey(LOG_KEY)
        && KeyLog.decode(held.get(LOG_KEY)) instanceof LogResult.Valid v) {
      signer = Identity.fromSeed(held.get(SEED_KEY));
      log = v.log();
      locator = held.containsKey(LOCATOR_KEY) ? Identity.fromSeed(held.get(LOCATOR_KEY)) : null;
    } else {
      signer = Identity.generate(random);
      Identity next = Identity.generate(random);
      log = KeyLog.verify(List.of(Events.inception(signer, Events.keyDigest(next.publicKey()),
          Events.device(device, signer.publicKey())))).orThrow();
      recoveryCode = RecoveryCode.encode(next.seed());
      store.savePeople(SEED_KEY, signer.seed());
      store.savePeople(LOG_KEY, log.encode());
      committed(next);
    }
    if (held.containsKey(ALARMS_KEY)) {
      for (String a : new String(held.get(ALARMS_KEY), StandardCharsets.UTF_8).split("\n")) {
        if (!a.isEmpty() && alarms.size() < MAX_ALARMS) {
          alarms.addLast(a);
        }
      }
    }
    for (Map.Entry<String, byte[]> e : held.entrySet()) {
      if (e.getKey().startsWith(CONTACT_PREFIX)) {
        Optional<Contact> c = ContactCodec.decode(e.getValue());
        if (c.isEmpty() || !(book.add(c.get()) instanceof ContactBook.Edit.Done)) {
          LOG.warn("ignoring an unreadable stored contact {}", e.getKey());
        }
      }
    }
    mirror = new ContactMirror(this, store, held);
  }

  /**
   * Return the persona of the node whose identity is {@code device}, kept in {@code store} (made
   * there on first use with keys from {@code random}); Unix time from {@code nowSeconds}.
   */
  public static People open(NodeStore store, Identity device, SecureRandom random, LongSupplier nowSeconds) {
    return new People(store, device, random, nowSeconds);
  }

  /** Serve the invite handshake on {@code t} and dial inviters with {@code d}; gate its exposures. */
  public void attach(StreamTransport t, StreamDialer d) {
    transport = t;
    dialer = d;
    t.gate(gate);
    t.expose(SERVICE, Exposure.open(stream -> InviteStream.serve(stream, InviteAccept.parser(),
        (s, q) -> redeem(s.peer(), q), Invites.refusal(Invites.Refusal.BAD_LOG))));
    t.expose(CodeInvitesDriver.SERVICE, Exposure.open(stream -> InviteStream.serve(stream, CodeRequest.parser(),
        (s, q) -> CodeInvitesDriver.answer(this, codes, q),
        CodeAnswer.newBuilder().setRefusal("malformed request").build())));
    t.expose(LogSync.SERVICE, Exposure.open(stream -> InviteStream.serve(stream, PersonaRequest.parser(),
        (s, q) -> answer(s.peer(), PersonaRequests.source(s), q),
        PersonaAnswer.newBuilder().setRefusal("malformed request").build())));
  }

  /**
   * Keep the persona's log in {@code dht} (its events as items, its head in presence records) and
   * read contacts' records every {@code pollSeconds} on {@code timer}. Call after {@link #attach}.
   */
  public void attachDht(PeopleDht dht, ScheduledExecutorService timer, long pollSeconds) {
    LogSync s = new LogSync(this, dht, dialer, device, pollSeconds);
    attachSync(s);
    s.start(timer);
    mirror.start(s::ask, timer);
  }

  /** Keep logs in step through {@code s} (not started here: {@link #attachDht} starts it). */
  void attachSync(LogSync s) {
    sync = s;
  }

  /** Return the recovery code once, on the first start of a new persona; empty after that. */
  public synchronized Optional<String> takeRecoveryCode() {
    Optional<String> code = Optional.ofNullable(recoveryCode);
    recoveryCode = null;
    return code;
  }

  /** Return the persona's key log. */
  synchronized KeyLog log() {
    return log;
  }

  /** Return the node's one order of a person's devices (every path that reaches people uses it). */
  public DeviceOrder deviceOrder() {
    return deviceOrder;
  }

  /** Return the approval gate. */
  public ApprovalGate gate() {
    return gate;
  }

  /** Return whether {@code node} is a device of an accepted contact. */
  public synchronized boolean isAcceptedDevice(NodeId node) {
    return book.acceptedOwnerOf(node).isPresent();
  }

  /** Return the accepted contact that has device {@code node}, if any. */
  public synchronized Optional<Contact> acceptedContactOf(NodeId node) {
    return book.acceptedOwnerOf(node);
  }

  /** Return the devices of every accepted contact (the onion agent's friends), in petname order. */
  public synchronized List<NodeId> acceptedDevices() {
    List<NodeId> out = new java.util.ArrayList<>();
    book.all().stream().filter(c -> c.accepted()).forEach(c -> out.addAll(c.log().state().devices().keySet()));
    return out;
  }

  /** Return the devices of the contact called {@code petname}, in the order its log added them. */
  public synchronized List<NodeId> devicesOf(String petname) {
    return book.get(petname.toLowerCase(Locale.ROOT))
        .map(c -> List.copyOf(c.log().state().devices().keySet())).orElse(List.of());
  }

  /** Return the devices of the contact whose persona id is {@code persona}, or none. */
  public synchronized List<NodeId> devicesOf(dev.wormholes.people.PersonaId persona) {
    return book.byPersona(persona).map(c -> List.copyOf(c.log().state().devices().keySet())).orElse(List.of());
  }

  /** Return the persona of the contact called {@code petname}, if any. */
  public synchronized Optional<PersonaId> personaNamed(String petname) {
    return book.get(petname.toLowerCase(Locale.ROOT)).map(Contact::persona);
  }

  /** Return the persona whose key log lists this node as a device now (empty once the log removed it). */
  public synchronized Optional<PersonaId> personaOfThisDevice() {
    return log.state().hasDevice(device.id()) ? Optional.of(log.state().persona()) : Optional.empty();
  }

  /**
   * Return whether {@code node} may use this node's services beyond their allow-lists: a device of
   * an accepted contact, or another device of this persona.
   */
  public synchronized boolean mayUseServices(NodeId node) {
    return book.acceptedOwnerOf(node).isPresent() || (!node.equals(device.id()) && log.state().hasDevice(node));
  }

  @Override
  public synchronized JsonObject whoami() {
    JsonObject o = new JsonObject();
    o.addProperty("persona", log.state().persona().toString());
    o.addProperty("node", device.id().toString());
    JsonArray devices = new JsonArray();
    log.state().devices().keySet().forEach(d -> devices.add(d.toString()));
    o.add("devices", devices);
    o.addProperty("seq", log.state().seq());
    o.addProperty("head", log.state().head().text());
    o.addProperty("contacts", book.all().size());
    o.addProperty("pendingInvites", invites.pendingCount());
    JsonObject refusedRequests = new JsonObject();
    requests.refusals().forEach((r, n) -> refusedRequests.addProperty(r.name().toLowerCase(Locale.ROOT), n));
    o.add("refusedRequests", refusedRequests);
    o.addProperty("droppedPushes", pushes.dropped());
    JsonObject refusedInvites = new JsonObject();
    invites.refusals().forEach((r, n) -> refusedInvites.addProperty(r.name().toLowerCase(Locale.ROOT), n));
    o.add("refusedInvites", refusedInvites);
    JsonObject refusedCodes = new JsonObject();
    synchronized (codes) {
      codes.refusals().forEach((r, n) -> refusedCodes.addProperty(r.name().toLowerCase(Locale.ROOT), n));
    }
    o.add("refusedCodes", refusedCodes);
    JsonObject streams = new JsonObject();
    streams.addProperty("refused", gate.refused());
    JsonArray last = new JsonArray();
    gate.recent().forEach(last::add);
    streams.add("recent", last);
    o.add("refusedStreams", streams);
    o.addProperty("canSign", canSign());
    o.addProperty("thisDeviceRemoved", !log.state().hasDevice(device.id()));
    JsonArray al = new JsonArray();
    alarms.forEach(al::add);
    o.add("alarms", al);
    JsonArray blocked = new JsonArray();
    book.all().stream().filter(c -> c.state() == ContactState.BLOCKED)
        .forEach(c -> blocked.add(c.petname() + ": " + c.blockReason().orElse("blocked")));
    o.add("blockedContacts", blocked);
    o.add("contactSync", mirror.json());
    return o;
  }

  @Override
  public synchronized JsonObject status() {
    JsonObject o = new JsonObject();
    o.addProperty("persona", log.state().persona().toString());
    o.addProperty("seq", log.state().seq());
    o.add("alarms", whoami().get("alarms"));
    o.add("blockedContacts", whoami().get("blockedContacts"));
    o.addProperty("droppedPushes", pushes.dropped());
    return o;
  }

  @Override
  public synchronized JsonObject invite(String petname, long expiresSeconds) {
    if (!petname.isEmpty() && !Contact.validPetname(petname)) {
      throw new ApiException(400, "not a petname: '" + ApiException.clip(petname) + "' (1-32 lower-case letters, digits or '-')");
    }
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    long expires = nowSeconds.getAsLong() + expiresSeconds;
    invites.expire(nowSeconds.getAsLong());
    Invite invite = invites.create(secret, log.state().persona(), device.id(), hints(), petname, expires);
    JsonObject o = new JsonObject();
    o.addProperty("link", invite.link());
    o.addProperty("persona", invite.persona().toString());
    o.addProperty("node", invite.node().toString());
    o.addProperty("expiresAt", Instant.ofEpochSecond(expires).toString());
    o.addProperty("name", petname);
    return o;
  }

  @Override
  public CompletableFuture<JsonObject> accept(String link, String petname) {
    Optional<DeviceInvite> device = DeviceInvite.parse(link);
    if (device.isPresent()) {
      return Devices.join(this, device.get());
    }
    Optional<Invite> parsed = Invite.parse(link);
    Optional<CodeInvites.Code> code = parsed.isPresent() ? Optional.empty() : CodeInvites.Code.parse(link);
    if (parsed.isEmpty() && code.isEmpty()) {
      throw new ApiException(400, "not an invite link or code: '" + ApiException.clip(link) + "' (wormhole://invite/... or 123-456-789-012)");
    }
    if (!petname.isEmpty() && !Contact.validPetname(petname)) {
      throw new ApiException(400, "not a petname: '" + ApiException.clip(petname) + "' (1-32 lower-case letters, digits or '-')");
    }
    return code.isPresent() ? CodeInvitesDriver.accept(this, code.get(), petname) : redeemInvite(parsed.get(), petname);
  }

  @Override
  public JsonObject inviteCode(String petname, long expiresSeconds) {
    return CodeInvitesDriver.invite(this, codes, petname, expiresSeconds);
  }

  /** Keep an invite with {@code secret} (made by a code exchange) for a person to be called {@code petname}. */
  synchronized void expectInvite(byte[] secret, String petname, long expires) {
    invites.create(secret, log.state().persona(), device.id(), List.of(), petname, expires);
  }

  /** Redeem {@code invite} at the inviter's node, calling the inviter {@code petname} if not empty. */
  CompletableFuture<JsonObject> redeemInvite(Invite invite, String petname) {
    KeyLog mine;
    synchronized (this) {
      mine = log;
      if (invite.persona().equals(mine.state().persona())) {
        throw new ApiException(400, "this invite is your own");
      }
    }
    if (dialer == null) {
      throw new ApiException(503, "secure streams are not started yet");
    }
    InviteAccept request = InviteHandshake.accept(invite, mine, "");
    return dialer.dial(invite.node(), SERVICE)
        .thenCompose(stream -> InviteStream.ask(stream, request, InviteAnswer.parser()))
        .orTimeout(ACCEPT_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .handle((answer, err) -> {
          if (err != null) {
            Throwable c = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
            int status = c instanceof ServiceRefusedException ? 502 : 504;
            throw new ApiException(status, "cannot reach the inviter's node " + invite.node() + ": " + c.getMessage());
          }
          return finishAccept(invite, mine, answer, petname);
        });
  }

  synchronized JsonObject finishAccept(Invite invite, KeyLog mine, InviteAnswer answer, String petname) {
    InviteHandshake.Result r = InviteHandshake.check(invite, mine, answer);
    if (r instanceof InviteHandshake.Result.Failed f) {
      throw new ApiException(502, f.reason());
    }
    InviteHandshake.Result.Accepted a = (InviteHandshake.Result.Accepted) r;
    Contact c = befriend(a.inviter(), petname.isEmpty() ? a.petnameHint() : petname, "invite");
    return ContactJson.of(c);
  }

  /** Answer one invite accept from node {@code peer} (on the stream's event loop). */
  InviteAnswer redeem(NodeId peer, InviteAccept accept) {
    if (accept.hasDevice()) {
      return Devices.redeem(this, peer, accept);
    }
    return redeem(accept);
  }

  /** Answer one invite accept (a person's, not a device's). */
  synchronized InviteAnswer redeem(InviteAccept accept) {
    Invites.Outcome o = invites.redeem(accept, log.state().persona(), nowSeconds.getAsLong());
    if (o instanceof Invites.Outcome.Refused refused) {
      LOG.info("refused an invite accept: {}", refused.refusal());
      return Invites.refusal(refused.refusal());
    }
    Invites.Outcome.Redeemed r = (Invites.Outcome.Redeemed) o;
    String name = r.invite().petname().isEmpty() ? r.petnameHint() : r.invite().petname();
    befriend(r.acceptor(), name, "invite");
    return Invites.answer(r, log, "");
  }

  /** Add or update the contact of {@code theirs} as accepted, persisted. */
  Contact befriend(KeyLog theirs, String wanted, String introducedBy) {
    Optional<Contact> known = book.byPersona(theirs.state().persona());
    Contact c;
    if (known.isPresent()) {
      book.observeLog(theirs).forEach(e -> LOG.info("contact {}: {}", e.petname(), e.text()));
      c = book.byPersona(theirs.state().persona()).orElseThrow();
      if (c.state() != ContactState.BLOCKED) {
        c = ((ContactBook.Edit.Done) book.accept(c.petname())).contact();
      }
    } else {
      c = new Contact(book.freePetname(wanted), theirs, false, ContactState.ACCEPTED,
          nowSeconds.getAsLong(), introducedBy, Optional.empty());
      if (book.add(c) instanceof ContactBook.Edit.Refused refused) {
        throw new ApiException(409, refused.message());
      }
    }
    save(c);
    return c;
  }

  @Override
  public synchronized JsonObject contacts() {
    JsonArray a = new JsonArray();
    book.all().forEach(c -> a.add(ContactJson.of(c)));
    JsonObject o = new JsonObject();
    o.add("contacts", a);
    return o;
  }

  @Override
  public synchronized JsonObject contact(String action, String name, String to) {
    Optional<Contact> before = book.get(name);
    ContactBook.Edit e = switch (action) {
      case "rename" -> book.rename(name, to);
      case "block" -> book.block(name, "blocked by you");
      case "unblock" -> book.unblock(name);
      case "remove" -> book.remove(name);
      case "verify" -> book.verify(name);
      case "approve" -> ContactRequestsDriver.pendingIn(before, name) ? book.accept(name) : null;
      case "deny" -> ContactRequestsDriver.pendingIn(before, name) ? book.remove(name) : null;
      default -> throw new ApiException(400, "not a contact action: '" + ApiException.clip(action)
          + "' (rename, block, unblock, remove, verify, approve, deny)");
    };
    if (e instanceof ContactBook.Edit.Refused r) {
      throw new ApiException(r.refusal() == ContactBook.Refusal.NO_SUCH_CONTACT ? 404 : 400, r.message());
    }
    Contact c = ((ContactBook.Edit.Done) e).contact();
    if (action.equals("remove") || action.equals("deny")) {
      store.removePeople(key(c));
      mirror.removed(c);
    } else {
      save(c);
    }
    LogSync s = sync;
    if (action.equals("approve") && s != null) {
      s.push(log, List.copyOf(c.log().state().devices().keySet())); // the push is the approval
    }
    JsonObject o = ContactJson.of(c);
    o.addProperty("action", action);
    before.ifPresent(b -> o.addProperty("was", b.petname()));
    return o;
  }

  @Override
  public JsonObject rotate(String code) {
    return Devices.rotate(this, code);
  }

  @Override
  public CompletableFuture<JsonObject> recover(String code) {
    return Devices.recover(this, code);
  }

  @Override
  public JsonObject deviceInvite(long expiresSeconds) {
    return Devices.invite(this, expiresSeconds);
  }

  @Override
  public JsonObject deviceRemove(String deviceId, String code) {
    return Devices.remove(this, deviceId, code);
  }

  @Override
  public CompletableFuture<JsonObject> check(String name) {
    Optional<Contact> c;
    synchronized (this) {
      c = book.get(name.toLowerCase(Locale.ROOT));
    }
    if (c.isEmpty()) {
      throw new ApiException(404, "no contact is called '" + ApiException.clip(name) + "'");
    }
    LogSync s = sync;
    if (s == null) {
      throw new ApiException(503, "the DHT is not started yet");
    }
    return s.check(c.get());
  }

  @Override
  public JsonObject sign(byte[] message) {
    return Signatures.sign(this, message);
  }

  @Override
  public JsonObject encrypt(String to, byte[] message) {
    return Sealing.encrypt(this, to, message);
  }

  @Override
  public JsonObject decrypt(String armored) {
    return Sealing.decrypt(this, armored);
  }

  @Override
  public JsonObject verify(String armored) {
    return Signatures.verify(this, armored);
  }

  // ---- the persona's log and its devices (Devices changes them; LogSync keeps them in step)

  /** Return whether this node holds the persona's current signing key. */
  synchronized boolean canSign() {
    return java.util.Arrays.equals(signer.publicKey(), log.state().signingKey());
  }

  /** Return the identity that signs for the persona on this node. */
  synchronized Identity signer() {
    return signer;
  }

  /** Return this node's identity. */
  Identity device() {
    return device;
  }

  /** Return the random source. */
  SecureRandom random() {
    return random;
  }

  /** Return the Unix time now. */
  long now() {
    return nowSeconds.getAsLong();
  }

  /** Return the invites that pair devices. */
  Invites deviceInvites() {
    return deviceInvites;
  }

  /** Return the dialer (null before {@link #attach}). */
  StreamDialer dialer() {
    return dialer;
  }

  /**
   * Append {@code events} (signed by the caller) to the persona's log, keep {@code newSigner} as
   * the signing key if not null, persist, then publish and push the log (also to {@code alsoTell}).
   * Throw {@link ApiException} 409 if an event does not apply.
   */
  KeyLog change(List<byte[]> events, Identity newSigner, List<NodeId> alsoTell) {
    KeyLog next;
    synchronized (this) {
      next = log;
      for (byte[] e : events) {
        LogResult r = next.append(e);
        if (r instanceof LogResult.Invalid i) {
          throw new ApiException(409, "the key log refused the event: " + i.failure());
        }
        next = ((LogResult.Valid) r).log();
      }
      adopt(newSigner == null ? signer : newSigner, next);
    }
    LogSync s = sync;
    if (s != null) {
      s.changed(next, alsoTell);
    }
    return next;
  }

  /** Make {@code newLog} the persona's log, signed for by {@code newSigner} here; persist both. */
  synchronized void adopt(Identity newSigner, KeyLog newLog) {
    signer = newSigner;
    log = newLog;
    store.savePeople(SEED_KEY, signer.seed());
    store.savePeople(LOG_KEY, log.encode());
  }

  /**
   * The persona committed to {@code next} as its next key (shown once as the recovery code): keep
   * the code's locator, so that this device points a recovery at its log.
   */
  synchronized void committed(Identity next) {
    locator = Recovery.locator(next.seed());
    store.savePeople(LOCATOR_KEY, locator.seed());
  }

  /** Return the locator of the last recovery code this device made, if any. */
  synchronized Optional<Identity> locator() {
    return Optional.ofNullable(locator);
  }

  /** Return whether the persona has no history and no contacts: what a node may give up to join another. */
  synchronized boolean fresh() {
    return log.state().seq() == 0 && book.all().isEmpty();
  }

  /** Add or replace contacts copied from another device of this persona. */
  synchronized int importContacts(List<Contact> contacts) {
    int n = 0;
    for (Contact c : contacts) {
      if (!c.persona().equals(log.state().persona()) && book.byPersona(c.persona()).isEmpty()
          && book.add(c.withPetname(book.freePetname(c.petname()))) instanceof ContactBook.Edit.Done d) {
        save(d.contact());
        n++;
      }
    }
    return n;
  }

  /** Return every contact. */
  synchronized List<Contact> allContacts() {
    return book.all();
  }

  /** Return the accepted contacts. */
  synchronized List<Contact> acceptedContacts() {
    return book.all().stream().filter(Contact::accepted).toList();
  }

  /** Return the contact of {@code persona}. */
  synchronized Optional<Contact> contactOf(PersonaId persona) {
    return book.byPersona(persona);
  }

  /** Return the log pinned for {@code persona}. */
  synchronized Optional<KeyLog> contactLog(PersonaId persona) {
    return book.byPersona(persona).map(Contact::log);
  }

  /**
   * Return the held log of {@code persona} when a head seen for it (in a presence record) calls for
   * fetching its log ({@link LogFetch#wants}), else empty (neither this persona nor an unblocked
   * contact, or nothing new). A conflict with this node's own log raises an alarm at once.
   */
  synchronized Optional<KeyLog> wantsHead(PersonaId persona, dev.wormholes.people.LogHead head) {
    KeyLog held = persona.equals(log.state().persona()) ? log : book.byPersona(persona)
        .filter(c -> c.state() != ContactState.BLOCKED).map(Contact::log).orElse(null);
    if (held == null || !LogFetch.wants(held, head)) {
      return Optional.empty();
    }
    if (held == log && LogItems.standing(held, head) == LogItems.Standing.CONFLICT) {
      alarm("a presence record names your persona at head " + head + ", which this persona never signed");
    }
    return Optional.of(held);
  }

  /**
   * Judge a verified log seen for this persona or a contact (pushed, fetched from the DHT): a
   * contact's goes through trust on first use (a revocation it adopts goes on to the other
   * contacts, {@link LogSync#relay}); this persona's own replaces the held one if it extends it
   * (another device changed it) and raises an alarm if it conflicts. Return the notes.
   */
  synchronized List<String> observe(KeyLog seen, String source) {
    if (seen.state().persona().equals(log.state().persona())) {
      LogItems.Standing st = LogItems.standing(log, seen.state().head());
      if (st == LogItems.Standing.SAME || st == LogItems.Standing.OLDER) {
        return List.of(); // an earlier head of this log: nothing new, nothing wrong
      }
      Tofu.Verdict v = Tofu.judgeLog(log, seen);
      if (v instanceof Tofu.Verdict.Explained e) {
        adopt(signer, e.log());
        LogSync s = sync;
        if (s != null) {
          s.publish(log); // this device's record names the new head, and its items hold the events
        }
        e.changes().forEach(line -> LOG.info("your persona, from {}: {}", source, line));
        if (!log.state().hasDevice(device.id())) {
          LOG.warn("this node was removed from its persona: it no longer speaks for it");
        } else if (!canSign() && s != null) {
          s.fetchKey(); // another device rotated: it hands the new key to this one
        }
        return e.changes().stream().map(line -> "you: " + line).toList();
      }
      if (v instanceof Tofu.Verdict.Unexplained u) {
        alarm("from " + source + ": a log of your persona this node did not sign: " + u.reason());
        return List.of("you: " + u.reason());
      }
      return List.of();
    }
    Optional<KeyState> before = book.byPersona(seen.state().persona()).map(c -> c.log().state());
    List<String> notes = new java.util.ArrayList<>();
    for (ContactBook.Event e : book.observeLog(seen)) {
      LOG.info("contact {} (from {}): {}", e.petname(), source, e.text());
      notes.add(e.petname() + ": " + e.text());
    }
    Optional<Contact> after = book.byPersona(seen.state().persona());
    after.ifPresent(this::save);
    LogSync s = sync;
    if (before.isPresent() && after.isPresent() && after.get().accepted() && s != null) {
      s.relay(before.get(), after.get());
    }
    return notes;
  }

  /** Answer a request on {@link LogSync#SERVICE} from node {@code peer} (from {@code "test"}). */
  PersonaAnswer answer(NodeId peer, PersonaRequest request) {
    return answer(peer, "test", request);
  }

  /** Answer a request on {@link LogSync#SERVICE} from node {@code peer} at {@code source}. */
  PersonaAnswer answer(NodeId peer, String source, PersonaRequest request) {
    return PersonaRequests.answer(this, requests, pushes, peer, source, request);
  }

  /** Return the contact book (callers hold this). */
  ContactBook book() {
    return book;
  }

  /** Return the contacts kept in step with the other devices (callers hold this). */
  ContactMirror mirror() {
    return mirror;
  }

  @Override
  public CompletableFuture<JsonObject> request(String person, String petname, String message) {
    return ContactRequestsDriver.request(this, person, petname, message);
  }

  /** Raise an alarm (kept, persisted, shown by whoami and status). */
  synchronized void alarm(String text) {
    if (alarms.contains(text)) {
      return;
    }
    LOG.warn("ALARM: {}", text);
    if (alarms.size() >= MAX_ALARMS) {
      alarms.removeFirst();
    }
    alarms.addLast(text);
    store.savePeople(ALARMS_KEY, String.join("\n", alarms).getBytes(StandardCharsets.UTF_8));
  }

  /** Return the alarms, oldest first. */
  public synchronized List<String> alarms() {
    return List.copyOf(alarms);
  }

  /** Return the key-log syncer (null before {@link #attachDht}). */
  LogSync sync() {
    return sync;
  }

  void save(Contact c) {
    store.savePeople(key(c), ContactCodec.encode(c));
    mirror.edited(c);
    LogSync s = sync;
    if (s != null) {
      s.publish(log); // the first contact is the first who could need the log's events
    }
  }

  private static String key(Contact c) {
    return CONTACT_PREFIX + c.persona();
  }

  List<String> hints() {
    StreamTransport t = transport;
    if (t == null) {
      return List.of();
    }
    InetSocketAddress a = t.localAddress();
    return a.getAddress().isAnyLocalAddress() ? List.of()
        : List.of(a.getAddress().getHostAddress() + ":" + a.getPort());
  }
}
