package dev.wormholes.node.people;

import com.google.common.io.BaseEncoding;
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
import dev.wormholes.people.ContactBook;
import dev.wormholes.people.ContactCodec;
import dev.wormholes.people.ContactState;
import dev.wormholes.people.Events;
import dev.wormholes.people.Invite;
import dev.wormholes.people.InviteHandshake;
import dev.wormholes.people.Invites;
import dev.wormholes.people.KeyLog;
import dev.wormholes.people.LogResult;
import dev.wormholes.people.SignedText;
import dev.wormholes.people.wire.InviteAccept;
import dev.wormholes.people.wire.InviteAnswer;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
  private static final BaseEncoding BASE32 = BaseEncoding.base32().lowerCase().omitPadding();

  private final NodeStore store;
  private final Identity device;
  private final SecureRandom random;
  private final LongSupplier nowSeconds;
  private final ApprovalGate gate;
  // Guarded by this.
  private final Identity signer;
  private KeyLog log;
  private final ContactBook book = new ContactBook();
  private final Invites invites = new Invites();
  private String recoveryCode;
  // Set once by attach.
  private volatile StreamDialer dialer;
  private volatile StreamTransport transport;

  private People(NodeStore store, Identity device, SecureRandom random, LongSupplier nowSeconds) {
    this.store = store;
    this.device = device;
    this.random = random;
    this.nowSeconds = nowSeconds;
    this.gate = new ApprovalGate(this::isAcceptedDevice);
    Map<String, byte[]> held = store.loadPeople();
    if (held.containsKey(SEED_KEY) && held.containsKey(LOG_KEY)
        && KeyLog.decode(held.get(LOG_KEY)) instanceof LogResult.Valid v) {
      signer = Identity.fromSeed(held.get(SEED_KEY));
      log = v.log();
    } else {
      signer = Identity.generate(random);
      Identity next = Identity.generate(random);
      log = KeyLog.verify(List.of(Events.inception(signer, Events.keyDigest(next.publicKey()),
          Events.device(device, signer.publicKey())))).orThrow();
      recoveryCode = recoveryCode(next.seed());
      store.savePeople(SEED_KEY, signer.seed());
      store.savePeople(LOG_KEY, log.encode());
    }
    for (Map.Entry<String, byte[]> e : held.entrySet()) {
      if (e.getKey().startsWith(CONTACT_PREFIX)) {
        Optional<Contact> c = ContactCodec.decode(e.getValue());
        if (c.isEmpty() || !(book.add(c.get()) instanceof ContactBook.Edit.Done)) {
          LOG.warn("ignoring an unreadable stored contact {}", e.getKey());
        }
      }
    }
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
        this::redeem, Invites.refusal(Invites.Refusal.BAD_LOG))));
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

  /** Return the approval gate. */
  public ApprovalGate gate() {
    return gate;
  }

  /** Return whether {@code node} is a device of an accepted contact. */
  public synchronized boolean isAcceptedDevice(NodeId node) {
    return book.acceptedOwnerOf(node).isPresent();
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
    JsonObject refusedInvites = new JsonObject();
    invites.refusals().forEach((r, n) -> refusedInvites.addProperty(r.name().toLowerCase(Locale.ROOT), n));
    o.add("refusedInvites", refusedInvites);
    JsonObject streams = new JsonObject();
    streams.addProperty("refused", gate.refused());
    JsonArray last = new JsonArray();
    gate.recent().forEach(last::add);
    streams.add("recent", last);
    o.add("refusedStreams", streams);
    return o;
  }

  @Override
  public synchronized JsonObject invite(String petname, long expiresSeconds) {
    if (!petname.isEmpty() && !Contact.validPetname(petname)) {
      throw new ApiException(400, "not a petname: '" + clip(petname) + "' (1-32 lower-case letters, digits or '-')");
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
    Optional<Invite> parsed = Invite.parse(link);
    if (parsed.isEmpty()) {
      throw new ApiException(400, "not an invite link: '" + clip(link) + "' (wormhole://invite/...)");
    }
    if (!petname.isEmpty() && !Contact.validPetname(petname)) {
      throw new ApiException(400, "not a petname: '" + clip(petname) + "' (1-32 lower-case letters, digits or '-')");
    }
    Invite invite = parsed.get();
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
    return contactJson(c);
  }

  /** Answer one invite accept (on the stream's event loop). */
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
  private Contact befriend(KeyLog theirs, String wanted, String introducedBy) {
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
    book.all().forEach(c -> a.add(contactJson(c)));
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
      default -> throw new ApiException(400, "not a contact action: '" + clip(action)
          + "' (rename, block, unblock, remove, verify)");
    };
    if (e instanceof ContactBook.Edit.Refused r) {
      throw new ApiException(r.refusal() == ContactBook.Refusal.NO_SUCH_CONTACT ? 404 : 400, r.message());
    }
    Contact c = ((ContactBook.Edit.Done) e).contact();
    if (action.equals("remove")) {
      store.removePeople(key(c));
    } else {
      save(c);
    }
    JsonObject o = contactJson(c);
    o.addProperty("action", action);
    before.ifPresent(b -> o.addProperty("was", b.petname()));
    return o;
  }

  @Override
  public synchronized JsonObject sign(byte[] message) {
    JsonObject o = new JsonObject();
    o.addProperty("armored", SignedText.sign(message, signer, log));
    o.addProperty("persona", log.state().persona().toString());
    o.addProperty("seq", log.state().seq());
    return o;
  }

  @Override
  public synchronized JsonObject verify(String armored) {
    JsonObject o = new JsonObject();
    SignedText.Result r = SignedText.verify(armored);
    if (r instanceof SignedText.Result.Invalid i) {
      o.addProperty("valid", false);
      o.addProperty("reason", switch (i.failure()) {
        case NOT_ARMORED -> "no " + SignedText.LABEL + " block in the text";
        case TOO_LARGE -> "the signed message is too large";
        case MALFORMED -> "the block is not a signed message";
        case BAD_LOG -> "the signer's key log does not verify";
        case BAD_SIGNATURE -> "the signature does not match the message and the signer's current key";
      });
      return o;
    }
    SignedText.Result.Valid v = (SignedText.Result.Valid) r;
    KeyLog theirs = v.log();
    // What the contact's pinned log says about this log: re-pin on an explained change, block on
    // an unexplained one (the signature is then reported as good but the contact as blocked).
    JsonArray notes = new JsonArray();
    book.observeLog(theirs).forEach(e -> notes.add(e.text()));
    book.byPersona(theirs.state().persona()).ifPresent(c -> {
      save(c);
      o.addProperty("contact", c.petname());
      o.addProperty("contactState", c.state().name().toLowerCase(Locale.ROOT).replace('_', '-'));
      c.blockReason().ifPresent(reason -> o.addProperty("blockReason", reason));
    });
    o.addProperty("valid", true);
    o.addProperty("persona", theirs.state().persona().toString());
    o.addProperty("self", theirs.state().persona().equals(log.state().persona()));
    o.addProperty("seq", theirs.state().seq());
    byte[] m = v.message();
    java.nio.charset.CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();
    try {
      o.addProperty("message", utf8.decode(java.nio.ByteBuffer.wrap(m)).toString());
    } catch (java.nio.charset.CharacterCodingException e) {
      // Not text: base64 only.
    }
    o.addProperty("messageBase64", java.util.Base64.getEncoder().encodeToString(m));
    o.add("notes", notes);
    return o;
  }

  private void save(Contact c) {
    store.savePeople(key(c), ContactCodec.encode(c));
  }

  private static String key(Contact c) {
    return CONTACT_PREFIX + c.persona();
  }

  private List<String> hints() {
    StreamTransport t = transport;
    if (t == null) {
      return List.of();
    }
    InetSocketAddress a = t.localAddress();
    return a.getAddress().isAnyLocalAddress() ? List.of()
        : List.of(a.getAddress().getHostAddress() + ":" + a.getPort());
  }

  static JsonObject contactJson(Contact c) {
    JsonObject o = new JsonObject();
    o.addProperty("petname", c.petname());
    o.addProperty("persona", c.persona().toString());
    JsonArray nodes = new JsonArray();
    c.log().state().devices().keySet().forEach(d -> nodes.add(d.toString()));
    o.add("nodes", nodes);
    o.addProperty("state", c.state().name().toLowerCase(Locale.ROOT).replace('_', '-'));
    o.addProperty("verified", c.verified());
    o.addProperty("pinned", c.pinned().text());
    o.addProperty("firstSeen", Instant.ofEpochSecond(c.firstSeen()).toString());
    o.addProperty("introducedBy", c.introducedBy());
    c.blockReason().ifPresent(r -> o.addProperty("blockReason", r));
    return o;
  }

  /** Return the recovery code of a next-key seed: base32 in groups of four. */
  static String recoveryCode(byte[] seed) {
    String s = BASE32.encode(seed);
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i += 4) {
      b.append(i == 0 ? "" : "-").append(s, i, Math.min(s.length(), i + 4));
    }
    return b.toString();
  }

  private static String clip(String s) {
    String t = new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    return t.length() <= 80 ? t : t.substring(0, 77) + "...";
  }
}
