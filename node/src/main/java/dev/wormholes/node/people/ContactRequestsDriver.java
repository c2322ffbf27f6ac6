package dev.wormholes.node.people;

import com.google.gson.JsonObject;
import dev.wormholes.node.api.ApiException;
import dev.wormholes.people.Contact;
import dev.wormholes.people.ContactCodec;
import dev.wormholes.people.ContactRequests;
import dev.wormholes.people.KeyLog;
import dev.wormholes.people.LogResult;
import dev.wormholes.people.wire.ContactRequest;
import dev.wormholes.people.wire.PersonaAnswer;
import dev.wormholes.people.wire.PersonaRequest;
import dev.wormholes.proto.NodeId;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Contact requests on the wire: {@code wormholes request NODE_ID} sends this persona's log to that
 * device on {@link LogSync#SERVICE} and keeps the answerer as a pending-out contact; the receiving
 * side keeps the requester as pending-in within {@link ContactRequests}' limits. A pending contact
 * gets no access; {@code contacts approve} accepts it and pushes the approver's log, which the
 * requester takes as the approval.
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

  /** Ask the person whose device is {@code nodeText} to become a contact. */
  static CompletableFuture<JsonObject> request(People p, String nodeText, String petname, String message) {
    NodeId node = NodeId.parse(nodeText.trim())
        .orElseThrow(() -> new ApiException(400, "not a node id: '" + People.clip(nodeText) + "'"));
    if (!petname.isEmpty() && !Contact.validPetname(petname)) {
      throw new ApiException(400, "not a petname: '" + People.clip(petname) + "' (1-32 lower-case letters, digits or '-')");
    }
    if (message.length() > ContactRequests.MAX_MESSAGE) {
      throw new ApiException(400, "the message is longer than " + ContactRequests.MAX_MESSAGE + " characters");
    }
    LogSync s = p.sync();
    if (s == null) {
      throw new ApiException(503, "secure streams are not started yet");
    }
    PersonaRequest q = PersonaRequest.newBuilder().setRequest(ContactRequest.newBuilder()
        .setLog(ContactCodec.wire(p.log())).setMessage(message)).build();
    return s.ask(node, q).handle((a, err) -> {
      if (err != null) {
        Throwable c = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        throw new ApiException(504, "cannot reach node " + node + ": " + c.getMessage());
      }
      if (!a.getOk()) {
        throw new ApiException(409, "node " + node + " refused the request: " + a.getRefusal());
      }
      if (!(KeyLog.decode(a.getLog().toByteArray()) instanceof LogResult.Valid v) || !v.log().state().hasDevice(node)) {
        throw new ApiException(502, "node " + node + " answered with a key log that does not name it as a device");
      }
      Contact c = p.requested(v.log(), petname.isEmpty() ? "friend" : petname.toLowerCase(Locale.ROOT), message);
      return People.contactJson(c);
    });
  }
}
