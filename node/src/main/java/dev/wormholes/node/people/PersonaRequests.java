package dev.wormholes.node.people;

import com.google.common.io.BaseEncoding;
import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.people.ContactCodec;
import dev.wormholes.people.ContactRequests;
import dev.wormholes.people.Corroboration;
import dev.wormholes.people.KeyLog;
import dev.wormholes.people.LogResult;
import dev.wormholes.people.PersonaId;
import dev.wormholes.people.Pushes;
import dev.wormholes.people.wire.PersonaAnswer;
import dev.wormholes.people.wire.PersonaRequest;
import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * The answering side of {@link LogSync#SERVICE}: a pushed log (admitted by {@link Pushes} before it
 * is decoded, then judged by {@link People#observe}; from a device of a contact this node asked,
 * also its approval), a log query (the log held for a
 * persona: anybody may ask, logs are public), a head query (a signed claim, for contacts and own
 * devices only), a contact request ({@link ContactRequestsDriver}), a key query (the persona's
 * current signing key, to another current device of this persona only: after a rotation on one
 * device, every device signs again), contacts pushed by another current device of this persona and
 * its catch-up ({@link ContactMirror}).
 */
final class PersonaRequests {
  private PersonaRequests() {}

  /** Return the source a stream's requests are limited by: its IP address (an IPv6 /64). */
  static String source(SecureStream stream) {
    java.net.SocketAddress a = stream.channel().parent().remoteSocketAddress();
    if (!(a instanceof InetSocketAddress i) || i.getAddress() == null) {
      return "?";
    }
    byte[] ip = i.getAddress().getAddress();
    return ip.length == 16 ? BaseEncoding.base16().encode(ip, 0, 8) + "/64" : i.getAddress().getHostAddress();
  }

  /** Answer a request on {@link LogSync#SERVICE} from node {@code peer} at {@code source}. */
  static PersonaAnswer answer(People p, ContactRequests requests, Pushes pushes, NodeId peer, String source,
      PersonaRequest request) {
    PersonaAnswer.Builder a = PersonaAnswer.newBuilder().setOk(true);
    switch (request.getKindCase()) {
      case PUSH -> {
        Pushes.Verdict verdict;
        synchronized (p) {
          verdict = pushes.admit(p.book(), p.log().state(), peer, source, p.now());
        }
        if (verdict == Pushes.Verdict.OVER_BUDGET) {
          return a.setOk(false).setRefusal("too many pushes: try again later").build();
        }
        if (!(KeyLog.decode(request.getPush().toByteArray()) instanceof LogResult.Valid v)) {
          return a.setOk(false).setRefusal("the key log does not verify").build();
        }
        p.observe(v.log(), "a push by node " + peer);
        ContactRequestsDriver.approvedBy(p, v.log().state().persona(), peer);
      }
      case REQUEST -> {
        return ContactRequestsDriver.answer(p, requests, peer, source, request.getRequest());
      }
      case LOG_QUERY, HEAD_QUERY -> {
        byte[] id = (request.hasLogQuery() ? request.getLogQuery() : request.getHeadQuery()).toByteArray();
        if (id.length != NodeId.BYTES) {
          return a.setOk(false).setRefusal("not a persona id").build();
        }
        PersonaId persona = PersonaId.of(id);
        synchronized (p) {
          if (request.hasHeadQuery()) {
            if (!p.mayUseServices(peer)) {
              return a.setOk(false).setRefusal("only contacts are told which heads this node holds").build();
            }
            a.setHead(Corroboration.claim(p.device(), persona, p.book().byPersona(persona), peer));
          } else {
            Optional<KeyLog> held = persona.equals(p.log().state().persona()) ? Optional.of(p.log()) : p.contactLog(persona);
            if (held.isEmpty()) {
              return a.setOk(false).setRefusal("no log of that persona is held here").build();
            }
            a.setLog(ContactCodec.wire(held.get()));
          }
        }
      }
      case KEY_QUERY -> {
        synchronized (p) {
          if (!request.getKeyQuery().equals(com.google.protobuf.ByteString.copyFrom(p.log().state().persona().toBytes()))
              || peer.equals(p.device().id()) || !p.log().state().hasDevice(peer) || !p.canSign()) {
            return a.setOk(false).setRefusal("the signing key goes only to a current device of this persona,"
                + " from one that holds it").build();
          }
          a.setLog(ContactCodec.wire(p.log()))
              .setPersonaSeed(com.google.protobuf.ByteString.copyFrom(p.signer().seed()));
        }
      }
      case CONTACTS -> {
        synchronized (p) {
          return p.mirror().receive(peer, request.getContacts());
        }
      }
      case CONTACTS_SINCE -> {
        synchronized (p) {
          return p.mirror().answer(peer, request.getContactsSince());
        }
      }
      default -> {
        return a.setOk(false).setRefusal("not a request this node knows").build();
      }
    }
    return a.build();
  }
}
