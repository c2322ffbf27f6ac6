package dev.wormholes.node.api;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.wormholes.node.store.ServiceRecord;
import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The exposure endpoints: {@code POST /v1/expose {"service","target","allow":[ids],"public":bool}}
 * (without {@code "public":true} only the nodes in {@code allow} may connect; with {@code "network":NAME}
 * only members of that private network, through it), {@code POST
 * /v1/unexpose {"service"}} and {@code GET /v1/services}.
 */
final class ServiceRoutes {
  private ServiceRoutes() {}

  /** Route one of the three paths; throw {@link ApiException} for a bad request. */
  static CompletableFuture<JsonObject> route(StreamControl streams, boolean get, boolean post, String path,
      String body) {
    if (get && path.equals("/v1/services")) {
      return CompletableFuture.completedFuture(services(streams));
    }
    if (post && path.equals("/v1/expose")) {
      return CompletableFuture.completedFuture(expose(streams, ApiRoutes.parseObject(body)));
    }
    if (post && path.equals("/v1/unexpose")) {
      return CompletableFuture.completedFuture(unexpose(streams, ApiRoutes.parseObject(body)));
    }
    throw new ApiException(404, "no such endpoint: " + (get ? "GET " : post ? "POST " : "") + path
        + " (expose and unexpose are POST, services is GET)");
  }

  private static JsonObject services(StreamControl streams) {
    JsonArray a = new JsonArray();
    streams.services().forEach(r -> a.add(r.toJson()));
    JsonObject o = new JsonObject();
    o.add("services", a);
    return o;
  }

  private static JsonObject expose(StreamControl streams, JsonObject req) {
    String service = requiredString(req, "service");
    String target = requiredString(req, "target");
    List<NodeId> allow = new ArrayList<>();
    JsonElement e = req.get("allow");
    if (e != null && !e.isJsonNull()) {
      if (!e.isJsonArray()) {
        throw new ApiException(400, "\"allow\" must be an array of node ids");
      }
      for (JsonElement x : e.getAsJsonArray()) {
        String text = x.isJsonPrimitive() ? x.getAsString() : x.toString();
        allow.add(NodeId.parse(text).orElseThrow(() -> new ApiException(400, "not a node id in \"allow\": "
            + (text.length() <= 80 ? text : text.substring(0, 80) + "..."))));
      }
    }
    boolean everyone = ApiRoutes.bool(req, "public");
    if (everyone && !allow.isEmpty()) {
      throw new ApiException(400, "a service is either public or has an allow-list, not both");
    }
    String network = null;
    JsonElement net = req.get("network");
    if (net != null && !net.isJsonNull()) {
      network = requiredString(req, "network");
      if (everyone || !allow.isEmpty()) {
        throw new ApiException(400, "a service exposed to a network is for its members: no \"allow\" or \"public\"");
      }
    }
    return streams.expose(new ServiceRecord(service, target, allow, everyone, network)).toJson();
  }

  private static JsonObject unexpose(StreamControl streams, JsonObject req) {
    String service = requiredString(req, "service");
    if (!streams.unexpose(service)) {
      throw new ApiException(404, "service '" + service + "' is not exposed");
    }
    JsonObject o = new JsonObject();
    o.addProperty("ok", true);
    o.addProperty("service", service);
    return o;
  }

  private static String requiredString(JsonObject req, String name) {
    JsonElement e = req.get(name);
    if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
      throw new ApiException(400, "the body needs \"" + name + "\" (a string)");
    }
    return e.getAsString();
  }
}
