package dev.wormholes.node.api;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * The channel endpoints: {@code GET /v1/channels}, {@code GET /v1/channels/read/CHANNEL}; {@code
 * POST /v1/channels/create {"name"}}, {@code /invite {"channel","expiresSeconds"}}, {@code /join
 * {"link"}}, {@code /leave {"channel"}}, {@code /post {"channel","text"}}, {@code /remove
 * {"channel","member"}}.
 */
final class ChannelRoutes {
  private ChannelRoutes() {}

  /** Return whether {@code path} is one of these endpoints. */
  static boolean handles(String path) {
    return path.equals("/v1/channels") || path.startsWith("/v1/channels/");
  }

  /** Route one of the paths; throw {@link ApiException} for a bad request. */
  static CompletableFuture<JsonObject> route(ChannelControl channels, boolean get, boolean post, String path, String body) {
    if (channels == null) {
      throw new ApiException(503, "channels need secure streams, which are off on this node");
    }
    if (get && path.equals("/v1/channels")) {
      return channels.list();
    }
    if (get && path.startsWith("/v1/channels/read/")) {
      return channels.read(URLDecoder.decode(path.substring("/v1/channels/read/".length()), StandardCharsets.UTF_8));
    }
    if (!post) {
      throw new ApiException(404, "no such endpoint: " + path);
    }
    JsonObject req = ApiRoutes.parseObject(body);
    return switch (path) {
      case "/v1/channels/create" -> channels.create(string(req, "name"));
      case "/v1/channels/invite" -> {
        yield channels.invite(string(req, "channel"), PeopleRoutes.expiresSeconds(req));
      }
      case "/v1/channels/join" -> channels.join(string(req, "link"));
      case "/v1/channels/leave" -> channels.leave(string(req, "channel"));
      case "/v1/channels/post" -> channels.post(string(req, "channel"), string(req, "text"));
      case "/v1/channels/remove" -> channels.remove(string(req, "channel"), string(req, "member"));
      default -> throw new ApiException(404, "no such endpoint: " + path);
    };
  }

  private static String string(JsonObject req, String name) {
    JsonElement e = req.get(name);
    if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString() || e.getAsString().isEmpty()) {
      throw new ApiException(400, "the body needs \"" + name + "\" (a non-empty string)");
    }
    return e.getAsString();
  }
}
