package dev.wormholes.node.api;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.wormholes.people.PersonUrl;
import java.util.concurrent.CompletableFuture;

/**
 * The people endpoints: {@code GET /v1/whoami}, {@code POST /v1/invite {"name","expiresSeconds","code"}}
 * (with {@code "code":true} a code read aloud instead of a link),
 * {@code POST /v1/accept {"link","name"}} (an invite link, a code or a device link), {@code GET /v1/contacts},
 * {@code POST /v1/contact {"action","name","to"}} (action "check": corroboration by the other
 * contacts), {@code POST /v1/rotate {"recovery"}}, {@code POST /v1/recover {"recovery"}} (a fresh node takes the
 * persona back) and {@code POST /v1/device
 * {"action":"add"|"remove","device","recovery","expiresSeconds"}}, {@code POST /v1/request
 * {"person","name","message"}} (a contact's petname, a persona id, a device's node id) (actions "approve" and "deny" of /v1/contact answer requests),
 * {@code POST /v1/encrypt {"to","base64"|"text"}}, {@code POST /v1/decrypt {"armored"}}. The person of
 * /v1/encrypt "to" and /v1/contact "name" may also be a person URL ({@code wormhole://SERVICE@PERSON}) or a
 * plain {@code SERVICE@PERSON}, and so may /v1/request "person".
 */
final class PeopleRoutes {
  /** Longest invite validity: 30 days. */
  static final long MAX_EXPIRES_SECONDS = 30L * 24 * 3600;
  /** Default invite validity: one day. */
  static final long DEFAULT_EXPIRES_SECONDS = 24 * 3600;

  private PeopleRoutes() {}

  /** Return whether {@code path} is one of these endpoints. */
  static boolean handles(String path) {
    return path.equals("/v1/whoami") || path.equals("/v1/invite") || path.equals("/v1/accept")
        || path.equals("/v1/contacts") || path.equals("/v1/contact") || path.equals("/v1/sign")
        || path.equals("/v1/verify") || path.equals("/v1/rotate") || path.equals("/v1/recover")
        || path.equals("/v1/device")
        || path.equals("/v1/request") || path.equals("/v1/encrypt") || path.equals("/v1/decrypt");
  }

  /** Route one of the paths; throw {@link ApiException} for a bad request. */
  static CompletableFuture<JsonObject> route(PeopleControl people, boolean get, boolean post,
      String path, String body) {
    if (people == null) {
      throw new ApiException(503, "this node has no persona (secure streams are off)");
    }
    if (get && path.equals("/v1/whoami")) {
      return CompletableFuture.completedFuture(people.whoami());
    }
    if (get && path.equals("/v1/contacts")) {
      return CompletableFuture.completedFuture(people.contacts());
    }
    if (post && path.equals("/v1/invite")) {
      JsonObject req = ApiRoutes.parseObject(body);
      long expires = expiresSeconds(req);
      boolean code = req.has("code") && req.get("code").isJsonPrimitive() && req.get("code").getAsBoolean();
      return CompletableFuture.completedFuture(code ? people.inviteCode(optional(req, "name"), expires)
          : people.invite(optional(req, "name"), expires));
    }
    if (post && path.equals("/v1/accept")) {
      JsonObject req = ApiRoutes.parseObject(body);
      return people.accept(required(req, "link"), optional(req, "name"));
    }
    if (post && (path.equals("/v1/sign") || path.equals("/v1/encrypt"))) {
      JsonObject req = ApiRoutes.parseObject(body);
      byte[] message = req.has("base64") ? base64(optional(req, "base64"))
          : optional(req, "text").getBytes(java.nio.charset.StandardCharsets.UTF_8);
      if (message.length > dev.wormholes.people.SignedText.MAX_MESSAGE) {
        throw new ApiException(413, "the message is " + message.length + " bytes; the limit is "
            + dev.wormholes.people.SignedText.MAX_MESSAGE);
      }
      return CompletableFuture.completedFuture(path.equals("/v1/sign") ? people.sign(message)
          : people.encrypt(person(req, "to"), message));
    }
    if (post && path.equals("/v1/decrypt")) {
      return CompletableFuture.completedFuture(people.decrypt(required(ApiRoutes.parseObject(body), "armored")));
    }
    if (post && path.equals("/v1/verify")) {
      return CompletableFuture.completedFuture(people.verify(required(ApiRoutes.parseObject(body), "armored")));
    }
    if (post && path.equals("/v1/request")) {
      JsonObject req = ApiRoutes.parseObject(body);
      return people.request(person(req, "person"), optional(req, "name"), optional(req, "message"));
    }
    if (post && path.equals("/v1/rotate")) {
      return CompletableFuture.completedFuture(people.rotate(required(ApiRoutes.parseObject(body), "recovery")));
    }
    if (post && path.equals("/v1/recover")) {
      return people.recover(required(ApiRoutes.parseObject(body), "recovery"));
    }
    if (post && path.equals("/v1/device")) {
      JsonObject req = ApiRoutes.parseObject(body);
      String action = required(req, "action");
      if (action.equals("add")) {
        return CompletableFuture.completedFuture(people.deviceInvite(expiresSeconds(req)));
      }
      if (action.equals("remove")) {
        return CompletableFuture.completedFuture(people.deviceRemove(required(req, "device"), optional(req, "recovery")));
      }
      throw new ApiException(400, "\"action\" must be add or remove");
    }
    if (post && path.equals("/v1/contact")) {
      JsonObject req = ApiRoutes.parseObject(body);
      if (optional(req, "action").equals("check")) {
        return people.check(person(req, "name"));
      }
      return CompletableFuture.completedFuture(
          people.contact(required(req, "action"), person(req, "name"), optional(req, "to")));
    }
    throw new ApiException(404, "no such endpoint: " + (get ? "GET " : post ? "POST " : "") + path
        + " (whoami and contacts are GET, invite, accept, contact, sign, verify, encrypt, decrypt, rotate, recover, device and request are POST)");
  }

  // A required person: a petname or persona id, also as wormhole://SERVICE@PERSON or SERVICE@PERSON.
  private static String person(JsonObject req, String name) {
    return PersonUrl.person(required(req, name), m -> new ApiException(400, m));
  }

  private static String required(JsonObject req, String name) {
    String s = optional(req, name);
    if (s.isEmpty()) {
      throw new ApiException(400, "the body needs \"" + name + "\" (a string)");
    }
    return s;
  }

  /** An invite's {@code "expiresSeconds"} (every kind of invite): 1 s to 30 days, one day when absent. */
  static long expiresSeconds(JsonObject req) {
    return ApiRoutes.wholeNumber(req, "expiresSeconds", DEFAULT_EXPIRES_SECONDS, 1, MAX_EXPIRES_SECONDS);
  }

  private static String optional(JsonObject req, String name) {
    JsonElement e = req.get(name);
    if (e == null || e.isJsonNull()) {
      return "";
    }
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
      throw new ApiException(400, "\"" + name + "\" must be a string");
    }
    return e.getAsString();
  }

  private static byte[] base64(String text) {
    try {
      return java.util.Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, "\"base64\" is not base64");
    }
  }
}
