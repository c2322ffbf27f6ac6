package dev.wormholes.node.api;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.wormholes.node.networks.PrivateNetworks;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * The private network endpoints: {@code GET /v1/networks}; {@code POST /v1/networks/create
 * {"name"}}, {@code /invite {"name","admin","expiresSeconds"}}, {@code /join {"link","name"}},
 * {@code /remove {"name","member"}}, {@code /ping {"name","node","count"}} (round trips inside the
 * network); {@code GET /v1/networks/lookup/NAME/NODE_ID}. A bad name,
 * link or member is 400; an unknown network or a record not found 404.
 */
final class NetworkRoutes {
  private NetworkRoutes() {}

  /** Return whether {@code path} is one of these endpoints. */
  static boolean handles(String path) {
    return path.equals("/v1/networks") || path.startsWith("/v1/networks/");
  }

  /** Route one of the paths; throw {@link ApiException} for a bad request. */
  static CompletableFuture<JsonObject> route(PrivateNetworks networks, boolean get, boolean post,
      String path, String body) {
    if (networks == null) {
      throw new ApiException(503, "private networks need secure streams, which are off on this node");
    }
    if (get && path.equals("/v1/networks")) {
      return networks.list().thenApply(a -> {
        JsonObject o = new JsonObject();
        o.add("networks", a);
        return o;
      });
    }
    if (get && path.startsWith("/v1/networks/lookup/")) {
      String[] parts = path.substring("/v1/networks/lookup/".length()).split("/");
      if (parts.length != 2) {
        throw new ApiException(400, "lookup is GET /v1/networks/lookup/NAME/NODE_ID");
      }
      return guarded(() -> networks.lookup(parts[0], ApiRoutes.nodeId(parts[1])).thenApply(ApiJson::presence), 404);
    }
    if (!post) {
      throw new ApiException(404, "no such endpoint: " + path);
    }
    JsonObject req = ApiRoutes.parseObject(body);
    return switch (path) {
      case "/v1/networks/create" -> guarded(() -> networks.create(text(req, "name")).thenApply(id -> {
        JsonObject o = new JsonObject();
        o.addProperty("name", text(req, "name"));
        o.addProperty("id", id);
        return o;
      }), 400);
      case "/v1/networks/invite" -> {
        long expires = PeopleRoutes.expiresSeconds(req);
        boolean admin = ApiRoutes.bool(req, "admin");
        yield guarded(() -> networks.invite(text(req, "name"), admin, expires).thenApply(link -> {
          JsonObject o = new JsonObject();
          o.addProperty("link", link);
          return o;
        }), 400);
      }
      case "/v1/networks/join" -> guarded(() -> networks.join(text(req, "link"),
          req.has("name") && !req.get("name").isJsonNull() ? text(req, "name") : null).thenApply(name -> {
            JsonObject o = new JsonObject();
            o.addProperty("name", name);
            return o;
          }), 400);
      case "/v1/networks/ping" -> {
        int count = (int) ApiRoutes.wholeNumber(req, "count", 3, 1, dev.wormholes.node.path.Ping.MAX_COUNT);
        String name = text(req, "name");
        yield guarded(() -> networks.ping(name, ApiRoutes.nodeId(text(req, "node")), count).thenApply(rtts -> {
          JsonObject o = new JsonObject();
          o.addProperty("network", name);
          com.google.gson.JsonArray a = new com.google.gson.JsonArray();
          rtts.forEach(x -> a.add(Math.round(x * 1000) / 1000.0));
          o.add("rtt_ms", a);
          return o;
        }), 400).exceptionally(t -> {
          Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
          throw c instanceof ApiException a ? a : new ApiException(504, "no echo from " + text(req, "node")
              + " in network " + name + ": " + c.getMessage());
        });
      }
      case "/v1/networks/remove" -> guarded(() -> networks.remove(text(req, "name"), text(req, "member"))
          .thenApply(epoch -> {
            JsonObject o = new JsonObject();
            o.addProperty("epoch", epoch);
            return o;
          }), 400);
      default -> throw new ApiException(404, "no such endpoint: " + path);
    };
  }

  private static String text(JsonObject req, String name) {
    JsonElement e = req.get(name);
    if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
      throw new ApiException(400, "the body needs \"" + name + "\" (a string)");
    }
    return e.getAsString();
  }

  /** Run {@code call}; an IllegalArgumentException (thrown or completing it) becomes {@code status}. */
  private static CompletableFuture<JsonObject> guarded(Supplier<CompletableFuture<JsonObject>> call, int status) {
    CompletableFuture<JsonObject> f;
    try {
      f = call.get();
    } catch (IllegalArgumentException e) {
      throw new ApiException(status, e.getMessage());
    }
    return f.exceptionally(t -> {
      Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
      if (c instanceof IllegalArgumentException) {
        throw new ApiException(c.getMessage().startsWith("no network") ? 404 : status, c.getMessage());
      }
      if (c instanceof java.util.concurrent.TimeoutException) {
        throw new ApiException(504, "no answer in time");
      }
      throw c instanceof RuntimeException r ? r : new CompletionException(c);
    });
  }
}
