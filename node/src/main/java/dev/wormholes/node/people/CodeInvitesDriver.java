package dev.wormholes.node.people;

import com.google.gson.JsonObject;
import dev.wormholes.node.api.ApiException;
import dev.wormholes.node.socks.StreamDialer;
import dev.wormholes.people.CodeInvites;
import dev.wormholes.people.CodePake;
import dev.wormholes.people.Contact;
import dev.wormholes.people.Invite;
import dev.wormholes.people.PersonaId;
import dev.wormholes.people.wire.CodeAnswer;
import dev.wormholes.people.wire.CodeRequest;
import dev.wormholes.people.wire.PakeRound2;
import dev.wormholes.proto.NodeId;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * {@code invite --code} and {@code accept CODE} on the wire: the inviter keeps the code in {@link
 * CodeInvites} and publishes the nameplate's DHT item naming its node; the acceptor reads the item,
 * runs the J-PAKE exchange on the internal service {@link #SERVICE} (two streams: start, finish),
 * and the key both sides derive becomes an ordinary invite's secret, redeemed on {@link
 * People#SERVICE} like a link.
 */
final class CodeInvitesDriver {
  /** The internal service of the code exchange (open to everyone: the code is the approval). */
  static final String SERVICE = "wh-code";
  /** Seconds the invite a finished exchange makes stays valid (the acceptor redeems it at once). */
  static final long REDEEM_SECONDS = 60;

  private CodeInvitesDriver() {}

  /** Make a code for a person to be called {@code petname}, valid {@code expiresSeconds}, and publish its nameplate. */
  static JsonObject invite(People p, CodeInvites codes, String petname, long expiresSeconds) {
    if (!petname.isEmpty() && !Contact.validPetname(petname)) {
      throw new ApiException(400, "not a petname: '" + ApiException.clip(petname) + "' (1-32 lower-case letters, digits or '-')");
    }
    LogSync s = p.sync();
    if (s == null) {
      throw new ApiException(503, "the DHT is not started yet");
    }
    long expires = p.now() + expiresSeconds;
    CodeInvites.Code code;
    synchronized (codes) {
      code = codes.create(p.random(), petname, expires);
    }
    s.dht().publish(CodeInvites.pointer(code.nameplate(), p.device().id(), p.now(), s.dht().networkId()));
    JsonObject o = new JsonObject();
    o.addProperty("code", code.text());
    o.addProperty("expiresAt", Instant.ofEpochSecond(expires).toString());
    o.addProperty("name", petname);
    return o;
  }

  /** Answer one request of the exchange (a finished one leaves an ordinary invite behind). */
  static CodeAnswer answer(People p, CodeInvites codes, CodeRequest q) {
    PersonaId me;
    synchronized (p) {
      me = p.log().state().persona();
    }
    CodeInvites.Answer a;
    synchronized (codes) {
      a = codes.answer(q, me, p.random(), p.now());
    }
    a.secret().ifPresent(secret -> p.expectInvite(secret, a.petname(), p.now() + REDEEM_SECONDS));
    return a.answer();
  }

  /** Accept {@code code}: find the inviter, run the exchange, then redeem the invite it makes. */
  static CompletableFuture<JsonObject> accept(People p, CodeInvites.Code code, String petname) {
    LogSync s = p.sync();
    StreamDialer dialer = p.dialer();
    if (s == null || dialer == null) {
      throw new ApiException(503, "the DHT is not started yet");
    }
    CodePake pake = new CodePake(false, code.password(), p.random());
    return s.dht().get(CodeInvites.pointerKey(code.nameplate())).thenCompose(found -> {
      NodeId node = found.flatMap(v -> CodeInvites.pointed(v, code.nameplate())).orElseThrow(() ->
          new ApiException(404, "no invite is published for code " + code.text() + " (mistyped, expired, or the"
              + " inviter is not reachable yet)"));
      CodeRequest start = CodeRequest.newBuilder().setNameplate(code.nameplate()).setRound1(pake.round1()).build();
      return ask(dialer, node, start).thenCompose(a1 -> {
        if (!pake.takeRound1(a1.getRound1())) {
          throw new ApiException(502, "the inviter's first round does not validate");
        }
        PakeRound2 mine = pake.round2();
        if (!pake.takeRound2(a1.getRound2())) {
          throw new ApiException(502, "the inviter's second round does not validate");
        }
        CodeRequest finish = CodeRequest.newBuilder().setNameplate(code.nameplate()).setRound2(mine)
            .setMac(pake.mac()).build();
        return ask(dialer, node, finish);
      }).thenCompose(a2 -> {
        if (!pake.takeMac(a2.getMac()) || a2.getPersona().size() != NodeId.BYTES) {
          throw new ApiException(502, "the inviter's key confirmation does not match: not the code's inviter");
        }
        Invite invite = new Invite(pake.secret(), PersonaId.of(a2.getPersona().toByteArray()), node, List.of(),
            p.now() + REDEEM_SECONDS);
        return p.redeemInvite(invite, petname);
      });
    }).exceptionally(err -> {
      Throwable c = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
      if (c instanceof ApiException e) {
        throw e;
      }
      throw new ApiException(504, "the code exchange failed: " + c.getMessage());
    });
  }

  private static CompletableFuture<CodeAnswer> ask(StreamDialer dialer, NodeId node, CodeRequest q) {
    return dialer.dial(node, SERVICE)
        .thenCompose(stream -> InviteStream.ask(stream, q, CodeAnswer.parser()))
        .orTimeout(People.ACCEPT_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .thenApply(a -> {
          if (!a.getOk()) {
            throw new ApiException(409, "the inviter refused: " + a.getRefusal());
          }
          return a;
        });
  }
}
