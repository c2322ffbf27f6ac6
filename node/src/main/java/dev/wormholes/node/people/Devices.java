package dev.wormholes.node.people;

import com.google.gson.JsonObject;
import dev.wormholes.node.api.ApiException;
import dev.wormholes.people.Contact;
import dev.wormholes.people.ContactCodec;
import dev.wormholes.people.DeviceInvite;
import dev.wormholes.people.Events;
import dev.wormholes.people.Invite;
import dev.wormholes.people.InviteHandshake;
import dev.wormholes.people.Invites;
import dev.wormholes.people.KeyLog;
import dev.wormholes.people.Recovery;
import dev.wormholes.people.RecoveryCode;
import dev.wormholes.people.wire.ContactRecord;
import dev.wormholes.people.wire.DeviceAdd;
import dev.wormholes.people.wire.InviteAccept;
import dev.wormholes.people.wire.InviteAnswer;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A persona's devices and keys, on top of {@link People}: pair another machine by a one-time
 * device link (the new device signs its consent over the persona's current key, the inviting
 * device appends the device-add and hands over the signing key and the contacts on the encrypted
 * stream), remove a device, rotate to the pre-committed key given back as the recovery code (the
 * other devices then ask for the new key, {@link #takeKey}, so every device signs again). Every
 * change goes through {@link People#change}: persisted, published to the DHT, pushed to contacts.
 */
final class Devices {
  private static final Logger LOG = LoggerFactory.getLogger(Devices.class);

  private Devices() {}

  /** Make a device link valid {@code expiresSeconds}. */
  static JsonObject invite(People p, long expiresSeconds) {
    if (!p.canSign()) {
      throw new ApiException(409, "this device does not hold the persona's current signing key: pair from the device that does");
    }
    byte[] secret = new byte[32];
    p.random().nextBytes(secret);
    long expires = p.now() + expiresSeconds;
    KeyLog log = p.log();
    Invite invite;
    synchronized (p) {
      p.deviceInvites().expire(p.now());
      invite = p.deviceInvites().create(secret, log.state().persona(), p.device().id(), p.hints(), "", expires);
    }
    JsonObject o = new JsonObject();
    o.addProperty("link", new DeviceInvite(invite, log.state().signingKey()).link());
    o.addProperty("persona", log.state().persona().toString());
    o.addProperty("expiresAt", Instant.ofEpochSecond(expires).toString());
    return o;
  }

  /** On the new machine: join the persona of {@code invite}, giving up this node's fresh one. */
  static CompletableFuture<JsonObject> join(People p, DeviceInvite invite) {
    if (!p.fresh()) {
      throw new ApiException(409, "this node's persona has contacts or history already; only a fresh node"
          + " (a new data directory) can become a device of another persona");
    }
    if (invite.invite().persona().equals(p.log().state().persona())) {
      throw new ApiException(400, "this node is a device of that persona already");
    }
    if (p.dialer() == null) {
      throw new ApiException(503, "secure streams are not started yet");
    }
    KeyLog mine = p.log();
    DeviceAdd consent = Events.device(p.device(), invite.signingKey());
    InviteAccept request = InviteHandshake.accept(invite.invite(), mine, "").toBuilder().setDevice(consent).build();
    return p.dialer().dial(invite.invite().node(), People.SERVICE)
        .thenCompose(stream -> InviteStream.ask(stream, request, InviteAnswer.parser()))
        .orTimeout(People.ACCEPT_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .handle((answer, err) -> {
          if (err != null) {
            Throwable c = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
            throw new ApiException(504, "cannot reach the inviting device " + invite.invite().node() + ": " + c.getMessage());
          }
          return finishJoin(p, invite, mine, answer);
        });
  }

  static JsonObject finishJoin(People p, DeviceInvite invite, KeyLog mine, InviteAnswer answer) {
    InviteHandshake.Result r = InviteHandshake.check(invite.invite(), mine, answer);
    if (r instanceof InviteHandshake.Result.Failed f) {
      throw new ApiException(502, f.reason());
    }
    KeyLog persona = ((InviteHandshake.Result.Accepted) r).inviter();
    byte[] seed = answer.getPersonaSeed().toByteArray();
    if (!persona.state().hasDevice(p.device().id()) || seed.length != RecoveryCode.SEED_BYTES
        || !Arrays.equals(Identity.fromSeed(seed).publicKey(), persona.state().signingKey())) {
      throw new ApiException(502, "the inviting device did not add this node to the persona with its key");
    }
    List<Contact> contacts = new ArrayList<>();
    for (ContactRecord c : answer.getContactsList()) {
      ContactCodec.decode(c.toByteArray()).ifPresent(contacts::add);
    }
    int imported;
    synchronized (p) {
      p.adopt(Identity.fromSeed(seed), persona);
      imported = p.importContacts(contacts);
    }
    LogSync s = p.sync();
    if (s != null) {
      s.publish(persona);
    }
    LOG.info("this node is now a device of persona {} ({} contacts copied)", persona.state().persona(), imported);
    JsonObject o = new JsonObject();
    o.addProperty("joined", persona.state().persona().toString());
    o.addProperty("persona", persona.state().persona().toString());
    o.addProperty("seq", persona.state().seq());
    o.addProperty("contacts", imported);
    return o;
  }

  /** On the inviting device: answer a device's accept from node {@code peer}. */
  static InviteAnswer redeem(People p, NodeId peer, InviteAccept accept) {
    KeyLog before = p.log();
    Invites.Outcome o;
    synchronized (p) {
      o = p.deviceInvites().redeem(accept, before.state().persona(), p.now());
    }
    if (o instanceof Invites.Outcome.Refused refused) {
      LOG.info("refused a device pairing: {}", refused.refusal());
      return Invites.refusal(refused.refusal());
    }
    if (!Identity.idOf(accept.getDevice().getDeviceKey().toByteArray()).equals(peer)) {
      return InviteAnswer.newBuilder().setOk(false)
          .setRefusal("the device key is not the key of the node that asked").build();
    }
    KeyLog after;
    Identity signer = p.signer();
    try {
      after = p.change(List.of(Events.deviceAdd(before.state(), signer, accept.getDevice())), null, List.of());
    } catch (ApiException e) {
      return InviteAnswer.newBuilder().setOk(false).setRefusal(e.getMessage()).build();
    }
    InviteAnswer.Builder a = Invites.answer((Invites.Outcome.Redeemed) o, after, "").toBuilder()
        .setPersonaSeed(com.google.protobuf.ByteString.copyFrom(signer.seed()));
    for (Contact c : p.allContacts()) {
      try {
        a.addContacts(ContactRecord.parseFrom(ContactCodec.encode(c)));
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new IllegalStateException("a contact's own encoding does not parse", e);
      }
    }
    LOG.info("device {} added to the persona", peer);
    return a.build();
  }

  /**
   * Take the persona's current signing key from another device's answer to a key query (this
   * device lacked it after a rotation there): the answer's log is observed first, then the key is
   * kept if it is that log's current key and this node is still a device of it. Return whether it was.
   */
  static boolean takeKey(People p, dev.wormholes.people.wire.PersonaAnswer a) {
    byte[] seed = a.getPersonaSeed().toByteArray();
    if (!a.getOk() || seed.length != RecoveryCode.SEED_BYTES
        || !(KeyLog.decode(a.getLog().toByteArray()) instanceof dev.wormholes.people.LogResult.Valid v)) {
      return false;
    }
    p.observe(v.log(), "a device of this persona");
    Identity key = Identity.fromSeed(seed);
    synchronized (p) {
      KeyLog held = p.log();
      if (!Arrays.equals(key.publicKey(), held.state().signingKey()) || !held.state().hasDevice(p.device().id())) {
        return false;
      }
      if (!p.canSign()) {
        p.adopt(key, held);
        LOG.info("this device holds the persona's current signing key again");
      }
    }
    LogSync s = p.sync();
    if (s != null) {
      s.publish(p.log()); // the beacon of the rotation, now from this device too
    }
    return true;
  }

  /** Remove {@code deviceText}; with a recovery code, rotate too so the removed device's key copy is dead. */
  static JsonObject remove(People p, String deviceText, String code) {
    NodeId gone = NodeId.parse(deviceText.trim())
        .orElseThrow(() -> new ApiException(400, "not a device id: '" + ApiException.clip(deviceText) + "'"));
    if (gone.equals(p.device().id())) {
      throw new ApiException(400, "run device remove on another device of the persona");
    }
    if (!p.log().state().hasDevice(gone)) {
      throw new ApiException(404, "device " + gone + " is not a device of this persona");
    }
    if (!p.canSign()) {
      throw new ApiException(409, "this device does not hold the persona's current signing key");
    }
    Optional<Identity> next = code.isEmpty() ? Optional.empty() : Optional.of(nextKey(p, code));
    List<byte[]> events = new ArrayList<>();
    KeyLog log = p.log();
    byte[] remove = Events.deviceRemove(log.state(), p.signer(), gone);
    events.add(remove);
    Identity newNext = null;
    if (next.isPresent()) {
      KeyLog removed = ((dev.wormholes.people.LogResult.Valid) log.append(remove)).log();
      newNext = Identity.generate(p.random());
      events.add(Events.rotate(removed.state(), next.get(), Events.keyDigest(newNext.publicKey())));
    }
    KeyLog after = p.change(events, next.orElse(null), List.of(gone));
    if (newNext != null) {
      p.committed(newNext);
    }
    JsonObject o = result(after, newNext);
    o.addProperty("removed", gone.toString());
    return o;
  }

  /** Rotate to the pre-committed key given as recovery {@code code}; a new next key is made and shown once. */
  static JsonObject rotate(People p, String code) {
    Identity next = nextKey(p, code);
    Identity newNext = Identity.generate(p.random());
    KeyLog after = p.change(List.of(Events.rotate(p.log().state(), next, Events.keyDigest(newNext.publicKey()))),
        next, List.of());
    p.committed(newNext);
    return result(after, newNext);
  }

  /**
   * On a fresh machine: find the persona whose recovery {@code code} this is (its locator item
   * points at a device's published log), and take it back ({@link Recovery#recover}): rotate to
   * the code's key, remove every old device, make this node the only one. Contacts find it by the
   * beacon ({@link LogSync#followBeacon}); a new code is shown once.
   */
  static CompletableFuture<JsonObject> recover(People p, String code) {
    Identity next = Identity.fromSeed(seed(code));
    if (!p.fresh()) {
      throw new ApiException(409, "this node's persona has contacts or history already; recover on a fresh node"
          + " (a new data directory)");
    }
    LogSync sync = p.sync();
    if (sync == null) {
      throw new ApiException(503, "the DHT is not started yet");
    }
    Identity locator = Recovery.locator(next.seed());
    return sync.dht().get(Recovery.locatorKey(locator))
        .thenCompose(item -> {
          Recovery.Pointer at = item.flatMap(v -> Recovery.openLocator(v, locator)).orElseThrow(() -> new ApiException(404,
              "no persona with this recovery code is in the DHT (its devices publish it once the persona has a"
              + " contact or a second event, and the DHT forgets it some time after they are all gone)"));
          return sync.fetch(at.deviceKey(), at.seq(), java.util.Optional.empty()).thenApply(log -> log.filter(l -> l.state().persona()
              .equals(at.persona())).orElseThrow(() -> new ApiException(502, "the persona's key log (device "
              + at.device() + ", seq " + at.seq() + ") could not be read from the DHT")));
        })
        .thenApply(found -> finishRecover(p, found, next));
  }

  static JsonObject finishRecover(People p, KeyLog found, Identity next) {
    Identity newNext = Identity.generate(p.random());
    Recovery.Outcome r = Recovery.recover(found, next, Events.keyDigest(newNext.publicKey()), p.device());
    if (r instanceof Recovery.Outcome.Refused refused) {
      throw new ApiException(409, switch (refused.refusal()) {
        case NOT_THE_NEXT_KEY -> "that recovery code is not the key persona " + found.state().persona()
            + " committed to next (a newer code replaced it)";
        case ABANDONED -> "persona " + found.state().persona() + " was abandoned: it cannot be recovered";
      });
    }
    KeyLog after = ((Recovery.Outcome.Recovered) r).log();
    synchronized (p) {
      if (!p.fresh()) {
        throw new ApiException(409, "this node's persona changed while recovering");
      }
      p.adopt(next, after);
      p.committed(newNext);
    }
    LogSync s = p.sync();
    if (s != null) {
      s.publish(after);
    }
    LOG.info("persona {} recovered on this node: {} old devices removed", after.state().persona(),
        found.state().devices().size());
    JsonObject o = result(after, newNext);
    com.google.gson.JsonArray removed = new com.google.gson.JsonArray();
    found.state().devices().keySet().forEach(d -> removed.add(d.toString()));
    o.add("removed", removed);
    return o;
  }

  private static byte[] seed(String code) {
    return RecoveryCode.decode(code)
        .orElseThrow(() -> new ApiException(400, "not a recovery code (13 groups of 4 letters and digits)"));
  }

  private static Identity nextKey(People p, String code) {
    Identity next = Identity.fromSeed(seed(code));
    if (!Arrays.equals(Events.keyDigest(next.publicKey()), p.log().state().nextKeyDigest())) {
      throw new ApiException(400, "that recovery code is not the key this persona committed to next");
    }
    return next;
  }

  private static JsonObject result(KeyLog after, Identity newNext) {
    JsonObject o = new JsonObject();
    o.addProperty("persona", after.state().persona().toString());
    o.addProperty("seq", after.state().seq());
    o.addProperty("head", after.state().head().text());
    if (newNext != null) {
      o.addProperty("recoveryCode", RecoveryCode.encode(newNext.seed()));
    }
    return o;
  }
}
