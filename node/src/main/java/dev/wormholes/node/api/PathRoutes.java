package dev.wormholes.node.api;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.wormholes.node.path.Path;
import dev.wormholes.node.path.PathFinder;
import dev.wormholes.node.path.Ping;
import dev.wormholes.proto.NodeId;
import java.net.UnknownHostException;
import java.util.concurrent.CompletableFuture;

/**
 * The path endpoints: {@code POST /v1/ping {"node": ID, "count": N, "relay": false}} finds (or
 * reuses) the best path to a node (with {@code "relay": true}: a relayed one, for comparison) and
 * times N round trips over it; {@code GET /v1/paths} lists the paths in use.
 */
final class PathRoutes {
  private PathRoutes() {}

  /** {@code POST /v1/ping}: 200 with the path and round-trip times, 404 when the node cannot be reached. */
  static CompletableFuture<JsonObject> ping(StreamControl streams, boolean post, String body) {
    if (!post) {
      throw new ApiException(404, "no such endpoint: ping is POST /v1/ping {\"node\": ID, \"count\": N}");
    }
    JsonObject req = ApiRoutes.parseObject(body);
    JsonElement n = req.get("node");
    if (n == null || !n.isJsonPrimitive() || !n.getAsJsonPrimitive().isString()) {
      throw new ApiException(400, "the body needs \"node\" (a node id)");
    }
    NodeId node = ApiRoutes.nodeId(n.getAsString());
    int count = (int) ApiRoutes.wholeNumber(req, "count", 3, 1, Ping.MAX_COUNT);
    boolean viaRelay = ApiRoutes.bool(req, "relay");
    return streams.ping(node, count, viaRelay).handle((r, e) -> {
      if (e != null) {
        Throwable cause = PathFinder.unwrap(e);
        String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        throw new ApiException(cause instanceof UnknownHostException ? 404 : 504, why);
      }
      JsonObject o = path(r.path());
      o.addProperty("reused", r.reused());
      JsonArray rtts = new JsonArray();
      r.rttMs().forEach(x -> rtts.add(Math.round(x * 1000) / 1000.0));
      o.add("rtt_ms", rtts);
      return o;
    });
  }

  /** {@code GET /v1/paths}. */
  static JsonObject paths(StreamControl streams) {
    JsonArray a = new JsonArray();
    streams.paths().forEach(p -> a.add(path(p)));
    JsonObject o = new JsonObject();
    o.add("paths", a);
    return o;
  }

  private static JsonObject path(Path p) {
    JsonObject o = new JsonObject();
    o.addProperty("node", p.node().toString());
    o.addProperty("path", p.kind().wireName());
    o.addProperty("address", ApiJson.address(p.shownAddress()));
    o.addProperty("time_to_path_ms", p.timeToPathMs());
    return o;
  }
}
