package dev.wormholes.node.people;

import com.google.gson.JsonObject;
import dev.wormholes.node.api.ApiException;
import dev.wormholes.people.Contact;
import dev.wormholes.people.ContactBook;
import dev.wormholes.people.ContactCodec;
import dev.wormholes.people.ContactRequests;
import dev.wormholes.people.ContactState;
import dev.wormholes.people.KeyLog;
import dev.wormholes.people.LogResult;
import dev.wormholes.people.PersonaId;
import dev.wormholes.people.wire.ContactRequest;
import dev.wormholes.people.wire.PersonaAnswer;
import dev.wormholes.people.wire.PersonaRequest;
import dev.wormholes.proto.NodeId;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Contact requests on the wire: {@code wormholes request PERSON} sends this persona's log to a
 * device of that person on {@link LogSync#SERVICE} and keeps the answerer as a pending-out contact; the receiving
 * side keeps the requester as pending-in within {@link ContactRequests}' limits. A pending contact
 * gets no access; {@code contacts approve} accepts it and pushes the approver's log, which the
 * requester takes as the approval ({@link #approvedBy}). Book changes hold the {@link People} lock.
 */
final class ContactRequestsDriver {
  private static final Logger LOG = LoggerFactory.getLogger(ContactRequestsDriver.class);

  private ContactRequestsDriver() {}

  /** Answer a request from node {@code peer} at {@code source}. */
  static PersonaAnswer answer(People p, ContactRequests requests, NodeId peer, String source, ContactRequest r) {
    ContactRequests.Outcome o;
    KeyLog mine;
    synchronized (p) {
      mine = p.log();
      o = requests.offer(p.book(), mine.state().persona(), source, r.getLog().toByteArray(),
          r.getPetnameHint(), r.getMessage(), p.now());
      if (o instanceof ContactRequests.Outcome.Kept k) {
        if (!k.contact().log().state().hasDevice(peer)) {
          LOG.info("a contact request from node {} that is not a device of the persona it names", peer);
        }
        p.save(k.contact());
      }
    }
    if (o instanceof ContactRequests.Outcome.Refused f) {
      String text = switch (f.refusal()) {
        case RATE_LIMITED -> "too many requests: try again later";
        case TOO_MANY_PENDING -> "too many requests wait already";
        case BAD_LOG -> "your key log does not verify";
        case SELF -> "that is your own persona";
        case BLOCKED -> "refused";
      };
      return PersonaAnswer.newBuilder().setOk(false).setRefusal(text).build();
    }
    Contact c = ((ContactRequests.Outcome.Kept) o).contact();
    LOG.info("contact request from {} kept as '{}' ({})", c.persona(), c.petname(), c.state());
    return PersonaAnswer.newBuilder().setOk(true).setLog(ContactCodec.wire(mine)).build();
  }

  /**
   * Ask {@code personText} to become a contact: a petname or persona id (the PERSON of a person
   * URL, as the API hands it over), or a node id of one of their devices. A contact's devices are
   * known; a persona id that is no contact is looked up in the DHT ({@link LogSync#devices}); an id
   * that is neither is asked as a node. The devices are asked in the node's {@link DeviceOrder}
   * until one answers ({@link DeviceRace}: a device silent for a few seconds does not hold up the
   * next; each outcome reported to the order); a refusal is the person's answer.
   */
  static CompletableFuture<JsonObject> request(People p, String personText, String petname, String message) {
    String person = personText.strip().toLowerCase(Locale.ROOT);
    Optional<NodeId> id = NodeId.parse(person);
    if (id.isEmpty() && !Contact.validPetname(person)) {
      throw new ApiException(400, "not a petname, persona id or node id: '" + ApiException.clip(personText) + "'");
    }
    if (!petname.isEmpty() && !Contact.validPetname(petname)) {
      throw new ApiException(400, "not a petname: '" + ApiException.clip(petname) + "' (1-32 lower-case letters, digits or '-')");
    }
    if (message.length() > ContactRequests.MAX_MESSAGE) {
      throw new ApiException(400, "the message is longer than " + ContactRequests.MAX_MESSAGE + " characters");
    }
    LogSync s = p.sync();
    if (s == null) {
      throw new ApiException(503, "secure streams are not started yet");
    }
    Optional<PersonaId> known = id.isPresent() ? Optional.of(new PersonaId(id.get())).filter(q -> !p.devicesOf(q).isEmpty())
        : p.personaNamed(person);
    if (id.isEmpty() && known.isEmpty()) {
      throw new ApiException(404, "no contact is called '" + ApiException.clip(person) + "' (ask a stranger by persona id:"
          + " their wormholes whoami prints it)");
    }
    CompletableFuture<Target> target = known.isPresent()
        ? CompletableFuture.completedFuture(new Target(known, p.devicesOf(known.get())))
        : s.devices(new PersonaId(id.get())).thenApply(d -> d.isEmpty()
            ? new Target(Optional.empty(), List.of(id.get())) // no such persona in the DHT: a node id
            : new Target(Optional.of(new PersonaId(id.get())), d));
    PersonaRequest q = PersonaRequest.newBuilder().setRequest(ContactRequest.newBuilder()
        .setLog(ContactCodec.wire(p.log())).setMessage(message)).build();
    String wanted = petname.isEmpty() ? "friend" : petname.toLowerCase(Locale.ROOT);
    return target.thenCompose(t -> {
      List<NodeId> order = p.deviceOrder().order(t.devices());
      CompletableFuture<JsonObject> f = DeviceRace.run(order, d -> ask(p, s, d, t.persona(), q, wanted, message),
          e -> e instanceof ApiException a && a.status() == 409, c -> {}, s.delay());
      return f.exceptionallyCompose(e -> {
        Throwable c = unwrap(e);
        if (c instanceof ApiException a && a.status() == 409) {
          return CompletableFuture.failedFuture(a);
        }
        String who = t.persona().isPresent() ? "no device of " + person + " answered (" + order.size()
            + (order.size() == 1 ? " device" : " devices") + " tried)" : "cannot reach node " + person;
        return CompletableFuture.failedFuture(new ApiException(504, who + ": " + c.getMessage()));
      });
    });
  }

  /** Whom a request goes to: the persona if known, and the devices to ask (key-log order). */
  private record Target(Optional<PersonaId> persona, List<NodeId> devices) {}

  // Ask device d; its answer must carry a log that names it (and is of persona, if known).
  private static CompletableFuture<JsonObject> ask(People p, LogSync s, NodeId d, Optional<PersonaId> persona,
      PersonaRequest q, String wanted, String message) {
    return s.ask(d, q).handle((a, err) -> {
      if (err != null) {
        p.deviceOrder().onFailure(d);
        throw new CompletionException(unwrap(err));
      }
      p.deviceOrder().onAnswer(d);
      if (!a.getOk()) {
        throw new ApiException(409, "node " + d + " refused the request: " + a.getRefusal());
      }
      if (!(KeyLog.decode(a.getLog().toByteArray()) instanceof LogResult.Valid v) || !v.log().state().hasDevice(d)
          || persona.filter(x -> !x.equals(v.log().state().persona())).isPresent()) {
        throw new ApiException(502, "node " + d + " answered with a key log that does not name it as a device"
            + (persona.isPresent() ? " of " + persona.get() : ""));
      }
      return ContactJson.of(requested(p, v.log(), wanted, message));
    });
  }

  /** Return true if {@code c} (called {@code name}) waits for an answer; throw the API error otherwise. */
  static boolean pendingIn(Optional<Contact> c, String name) {
    if (c.isEmpty()) {
      throw new ApiException(404, "no contact is called '" + ApiException.clip(name) + "'");
    }
    if (c.get().state() != ContactState.PENDING_IN) {
      throw new ApiException(400, "'" + ApiException.clip(name) + "' has no request waiting (it is " + c.get().state() + ")");
    }
    return true;
  }

  /**
   * A push from {@code peer}, a device of {@code persona}: if {@code p} asked that persona to be a
   * contact (pending-out), the push is its approval.
   */
  static void approvedBy(People p, PersonaId persona, NodeId peer) {
    synchronized (p) {
      ContactBook book = p.book();
      Optional<Contact> c = book.byPersona(persona);
      if (c.isPresent() && c.get().state() == ContactState.PENDING_OUT && c.get().log().state().hasDevice(peer)
          && book.accept(c.get().petname()) instanceof ContactBook.Edit.Done d) {
        LOG.info("contact {} approved this node's request", d.contact().petname());
        p.save(d.contact());
      }
    }
  }

  /** Add {@code theirs} to {@code p} as a contact it asked (pending-out), unless it is one already. */
  static Contact requested(People p, KeyLog theirs, String wanted, String message) {
    synchronized (p) {
      ContactBook book = p.book();
      Optional<Contact> known = book.byPersona(theirs.state().persona());
      if (known.isPresent()) {
        book.observeLog(theirs);
        Contact c = book.byPersona(theirs.state().persona()).orElseThrow();
        if (c.state() == ContactState.PENDING_IN) {
          c = ((ContactBook.Edit.Done) book.accept(c.petname())).contact(); // both asked
        }
        p.save(c);
        return c;
      }
      Contact c = new Contact(book.freePetname(wanted), theirs, false, ContactState.PENDING_OUT, p.now(),
          message.isBlank() ? "your request" : "your request: " + message, Optional.empty());
      if (book.add(c) instanceof ContactBook.Edit.Refused refused) {
        throw new ApiException(409, refused.message());
      }
      p.save(c);
      return c;
    }
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }
}
