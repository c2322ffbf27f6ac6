package dev.wormholes.node.api;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.wormholes.people.PersonUrl;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /v1/whisper {"to","text"}} ("to" also as a person URL, {@code wormhole://SERVICE@PERSON}, or {@code SERVICE@PERSON}) and
 * {@code GET /v1/whispers}; {@code GET /v1/mailboxes} and {@code POST /v1/mailboxes {"action":"add|remove","name"}}
 * (the mailbox friends).
 */
final class WhisperRoutes {
  private WhisperRoutes() {}

  /** Return whether {@code path} is one of these endpoints. */
  static boolean handles(String path) {
    return path.equals("/v1/whisper") || path.equals("/v1/whispers") || path.equals("/v1/mailboxes");
  }

  /** Route one of the paths; throw {@link ApiException} for a bad request. */
  static CompletableFuture<JsonObject> route(WhisperControl whispers, boolean get, boolean post, String path,
      String body) {
    if (whispers == null) {
      throw new ApiException(503, "this node has no whispers (secure streams are off)");
    }
    if (get && path.equals("/v1/whispers")) {
      return CompletableFuture.completedFuture(whispers.whispers());
    }
    if (post && path.equals("/v1/whisper")) {
      JsonObject req = ApiRoutes.parseObject(body);
      return whispers.whisper(PersonUrl.person(string(req, "to"), m -> new ApiException(400, m)), string(req, "text"));
    }
    if (get && path.equals("/v1/mailboxes")) {
      return CompletableFuture.completedFuture(whispers.mailbox("list", null));
    }
    if (post && path.equals("/v1/mailboxes")) {
      JsonObject req = ApiRoutes.parseObject(body);
      return CompletableFuture.completedFuture(whispers.mailbox(string(req, "action"), string(req, "name")));
    }
    throw new ApiException(404, "no such endpoint: " + path + " (whisper is POST, whispers is GET, mailboxes both)");
  }

  private static String string(JsonObject req, String name) {
    JsonElement e = req.get(name);
    if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString() || e.getAsString().isEmpty()) {
      throw new ApiException(400, "the body needs \"" + name + "\" (a non-empty string)");
    }
    return e.getAsString();
  }
}
