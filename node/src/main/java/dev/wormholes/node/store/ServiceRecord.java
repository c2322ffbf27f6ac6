package dev.wormholes.node.store;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One exposed service as stored ({@link NodeStore#saveService}) and shown by the control API:
 * streams for {@code service} are forwarded to the TCP address {@code target}; any node that
 * proves its id may open them if {@code everyone}, else only the nodes in {@code allow} (none if
 * it is empty).
 *
 * @param service the service name
 * @param target {@code HOST:PORT} of the local TCP service, as given
 * @param allow node ids allowed to connect (empty and not {@code everyone}: nobody)
 * @param everyone whether any node may connect ({@code --public}); then {@code allow} is empty
 * @param network the private network whose members alone may connect, through it ({@code
 *     --network}); null: none. Then {@code allow} is empty and {@code everyone} false
 */
public record ServiceRecord(String service, String target, List<NodeId> allow, boolean everyone, String network) {
  /** Copy the allow-list; refuse an allow-list on a public record or on one exposed to a network. */
  public ServiceRecord {
    allow = List.copyOf(allow);
    if (everyone && !allow.isEmpty()) {
      throw new IllegalArgumentException("a public service has no allow-list");
    }
    if (network != null && (everyone || !allow.isEmpty())) {
      throw new IllegalArgumentException("a service exposed to a network is for its members only");
    }
  }

  /** A record exposed to no private network. */
  public ServiceRecord(String service, String target, List<NodeId> allow, boolean everyone) {
    this(service, target, allow, everyone, null);
  }

  /** Return whether {@code node} may open streams to the service (a network's service: see {@code StreamAccess}). */
  public boolean allows(NodeId node) {
    return everyone || allow.contains(node);
  }

  /** Return the JSON form: {@code {"service","target","allow":[ids]}}. */
  public JsonObject toJson() {
    JsonObject o = new JsonObject();
    o.addProperty("service", service);
    o.addProperty("target", target);
    JsonArray a = new JsonArray();
    allow.forEach(id -> a.add(id.toString()));
    o.add("allow", a);
    o.addProperty("public", everyone);
    if (network != null) {
      o.addProperty("network", network);
    }
    return o;
  }

  /** Return the stored text. */
  public String encode() {
    return toJson().toString();
  }

  /**
   * Return the record {@code text} holds, or empty if it does not parse (a record is never fatal).
   * A record stored before {@code public} existed is public exactly when its allow-list is empty
   * (what it meant when it was saved).
   */
  public static Optional<ServiceRecord> decode(String text) {
    try {
      JsonObject o = JsonParser.parseString(text).getAsJsonObject();
      List<NodeId> allow = new ArrayList<>();
      for (JsonElement e : o.getAsJsonArray("allow")) {
        Optional<NodeId> id = NodeId.parse(e.getAsString());
        if (id.isEmpty()) {
          return Optional.empty();
        }
        allow.add(id.get());
      }
      boolean everyone = o.has("public") ? o.get("public").getAsBoolean() : allow.isEmpty();
      String network = o.has("network") ? o.get("network").getAsString() : null;
      return Optional.of(new ServiceRecord(o.get("service").getAsString(), o.get("target").getAsString(), allow,
          everyone, network));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }
}
