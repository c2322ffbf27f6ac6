package dev.wormholes.node.api;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.wormholes.dht.QueryResult;
import dev.wormholes.node.mainline.MainlineAgent;
import dev.wormholes.node.nat.NatAgent;
import dev.wormholes.node.nat.NatStatus;
import dev.wormholes.node.runtime.EngineStats;
import dev.wormholes.node.runtime.UdpRuntime;
import dev.wormholes.node.web.WebSessions;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.Limits;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.StoredValue;
import io.netty.handler.codec.http.HttpMethod;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** The endpoints of the api contract, each a function from a request to a future JSON object. */
public final class ApiRoutes {
  private static final StoredValue NO_PEERS = StoredValue.getDefaultInstance();

  private final UdpRuntime runtime;
  private final Supplier<InetSocketAddress> apiAddress;
  private final Runnable shutdown;
  private final StreamControl streams;
  private final NatAgent nat;
  private volatile PeopleControl people;
  private volatile dev.wormholes.node.networks.PrivateNetworks networks;
  private volatile WhisperControl whispers;
  private volatile ChannelControl channels;
  private final MainlineAgent mainline;
  private final long startedAtNanos = System.nanoTime();
  private final WebSessions web = new WebSessions(new java.security.SecureRandom(), System::currentTimeMillis);

  /**
   * Return the routes of the node run by {@code runtime}, whose API listens at {@code apiAddress};
   * {@code shutdown} starts a clean shutdown.
   */
  public ApiRoutes(UdpRuntime runtime, Supplier<InetSocketAddress> apiAddress, Runnable shutdown) {
    this(runtime, apiAddress, shutdown, null);
  }

  /** Like the three-argument constructor, with secure streams controlled by {@code streams} (null: off). */
  public ApiRoutes(UdpRuntime runtime, Supplier<InetSocketAddress> apiAddress, Runnable shutdown,
      StreamControl streams) {
    this(runtime, apiAddress, shutdown, streams, null);
  }

  /** Like the four-argument constructor, with the NAT agent whose state status shows (null: none). */
  public ApiRoutes(UdpRuntime runtime, Supplier<InetSocketAddress> apiAddress, Runnable shutdown,
      StreamControl streams, NatAgent nat) {
    this(runtime, apiAddress, shutdown, streams, nat, null);
  }

  /**
   * Like the five-argument constructor, with the mainline DHT agent (null: none) that status
   * describes and lookups fall back to.
   */
  public ApiRoutes(UdpRuntime runtime, Supplier<InetSocketAddress> apiAddress, Runnable shutdown,
      StreamControl streams, NatAgent nat, MainlineAgent mainline) {
    this.mainline = mainline;
    this.nat = nat;
    this.streams = streams;
    this.runtime = runtime;
    this.apiAddress = apiAddress;
    this.shutdown = shutdown;
  }

  /** Serve the private network endpoints from {@code n} (without: they answer 503). */
  public void networks(dev.wormholes.node.networks.PrivateNetworks n) {
    networks = n;
  }

  /** Serve the people endpoints from {@code p} (without: they answer 503). */
  public void people(PeopleControl p) {
    people = p;
  }

  /** Serve the whisper endpoints from {@code w} (without: they answer 503). */
  public void whispers(WhisperControl w) {
    whispers = w;
  }

  /** Serve the channel endpoints from {@code c} (without: they answer 503). */
  public void channels(ChannelControl c) {
    channels = c;
  }

  WhisperControl whispersOrNull() {
    return whispers;
  }

  ChannelControl channelsOrNull() {
    return channels;
  }

  UdpRuntime runtime() {
    return runtime;
  }

  NatAgent nat() {
    return nat;
  }

  StreamControl streamsOrNull() {
    return streams;
  }

  PeopleControl peopleOrNull() {
    return people;
  }

  /** Return the status page's login codes and sessions. */
  WebSessions webSessions() {
    return web;
  }

  /** Route {@code method path} with {@code body}; throw {@link ApiException} for a bad request. */
  public CompletableFuture<JsonObject> route(HttpMethod method, String path, String body) {
    boolean get = HttpMethod.GET.equals(method);
    boolean post = HttpMethod.POST.equals(method);
    if (get && path.equals("/v1/id")) return CompletableFuture.completedFuture(id());
    if (get && path.equals("/v1/status")) return status();
    if (get && path.equals("/v1/peers")) return runtime.call((e, now) -> ApiJson.peers(e.contacts()));
    if (get && path.startsWith("/v1/lookup/")) return MainlineLookup.lookup(this, path.substring("/v1/lookup/".length()));
    if (get && path.startsWith("/v1/get/")) return get(nodeId(path.substring("/v1/get/".length())));
    if (post && path.equals("/v1/put")) return put(parseObject(body));
    if (post && path.equals("/v1/shutdown")) return shutdown();
    if (path.equals("/v1/ping")) return PathRoutes.ping(streams(), post, body);
    if (get && path.equals("/v1/paths")) return CompletableFuture.completedFuture(PathRoutes.paths(streams()));
    if (NetworkRoutes.handles(path)) return NetworkRoutes.route(networks, get, post, path, body);
    if (get && path.equals("/v1/dht")) return HealthRoutes.dht(runtime);
    if (get && path.equals("/v1/drops")) return HealthRoutes.drops(this);
    if (post && path.equals("/v1/web")) return CompletableFuture.completedFuture(webLogin());
    if (WhisperRoutes.handles(path)) return WhisperRoutes.route(whispers, get, post, path, body);
    if (ChannelRoutes.handles(path)) return ChannelRoutes.route(channels, get, post, path, body);
    if (get && path.equals("/v1/circuits")) return streams().circuits();
    if (PeopleRoutes.handles(path)) return PeopleRoutes.route(people, get, post, path, body);
    if (path.equals("/v1/expose") || path.equals("/v1/unexpose") || path.equals("/v1/services")) {
      return ServiceRoutes.route(streams(), get, post, path, body);
    }
    throw new ApiException(404, "no such endpoint: " + method + " " + path);
  }

  private StreamControl streams() {
    if (streams == null) {
      throw new ApiException(503, "secure streams are off on this node");
    }
    return streams;
  }

  private JsonObject id() {
    Identity me = runtime.identity();
    JsonObject o = new JsonObject();
    o.addProperty("id", me.id().toString());
    o.addProperty("publicKey", ApiJson.hex(me.publicKey()));
    return o;
  }

  private CompletableFuture<JsonObject> status() {
    CompletableFuture<int[]> counts = runtime.call((e, now) -> new int[] {e.contactCount(), e.store().size(),
        !e.hasIdWork() ? 2 : e.isReadOnly() ? 1 : 0});
    CompletableFuture<Long> engineDropped = runtime.call((e, now) -> EngineStats.dropped(e));
    return runtime.presence().thenCombine(counts, (p, c) -> {
      JsonObject o = new JsonObject();
      o.addProperty("id", runtime.identity().id().toString());
      o.addProperty("listen", ApiJson.address(runtime.localAddress()));
      InetSocketAddress api = apiAddress.get();
      o.addProperty("api", api == null ? "" : ApiJson.address(api));
      InetSocketAddress socks = streams == null ? null : streams.socksAddress();
      o.addProperty("socks", socks == null ? "" : ApiJson.address(socks));
      if (streams != null) {
        StreamControl.Connections q = streams.connections();
        JsonObject quic = new JsonObject();
        quic.addProperty("accepted", q.accepted());
        JsonObject refused = new JsonObject();
        refused.addProperty("total_cap", q.refusedTotal());
        refused.addProperty("per_peer_cap", q.refusedPerPeer());
        quic.add("refused", refused);
        o.add("quic", quic);
      }
      if (socks != null) {
        o.addProperty("socksUser", streams.socksCredentials().user());
        o.addProperty("socksPassword", streams.socksCredentials().password());
        o.addProperty("socksUrl", streams.socksCredentials().url(ApiJson.address(socks)));
      }
      com.google.gson.JsonArray obs = new com.google.gson.JsonArray();
      p.observed().forEach(a -> obs.add(ApiJson.address(a)));
      o.add("observed", obs);
      o.addProperty("peers", c[0]);
      o.addProperty("records", c[1]);
      o.addProperty("dhtMode", runtime.refusesPublic() ? "off"
          : c[2] == 2 ? "read-only-no-id-work" : c[2] == 1 ? "read-only" : "full");
      o.addProperty("uptimeSeconds", (System.nanoTime() - startedAtNanos) / 1_000_000_000L);
      PeopleControl pc = people;
      if (pc != null) {
        o.add("people", pc.status());
      }
      return o;
    }).thenCombine(engineDropped, (o, d) -> {
      o.addProperty("dropped", d + runtime.counters().droppedBeforeEngine());
      return o;
    }).thenCombine(natStatus(), (o, n) -> {
      o.add("nat", n == null ? com.google.gson.JsonNull.INSTANCE : ApiJson.nat(n));
      return o;
    }).thenCombine(mainline == null ? CompletableFuture.completedFuture(null) : mainline.status(), (o, m) -> {
      o.add("mainline", m == null ? com.google.gson.JsonNull.INSTANCE : m);
      return o;
    }).thenCombine(networks == null ? CompletableFuture.completedFuture(null) : networks.status(), (o, n) -> {
      o.add("private", n == null ? com.google.gson.JsonNull.INSTANCE : n);
      o.addProperty("droppedPublicOff", runtime.counters().droppedPublicOff.get());
      return o;
    });
  }

  // POST /v1/web: a one-time login URL for the status page.
  private JsonObject webLogin() {
    InetSocketAddress api = apiAddress.get();
    JsonObject o = new JsonObject();
    o.addProperty("url", "http://127.0.0.1:" + (api == null ? 0 : api.getPort()) + "/web/login?code=" + web.newCode());
    o.addProperty("expiresSeconds", WebSessions.CODE_TTL_MS / 1000);
    return o;
  }

  private CompletableFuture<NatStatus> natStatus() {
    return nat == null ? CompletableFuture.completedFuture(null) : nat.status();
  }

  private CompletableFuture<JsonObject> shutdown() {
    JsonObject o = new JsonObject();
    o.addProperty("ok", true);
    // Answer first; the shutdown runs on its own thread once the response is on its way.
    CompletableFuture.delayedExecutor(100, java.util.concurrent.TimeUnit.MILLISECONDS).execute(shutdown);
    return CompletableFuture.completedFuture(o);
  }

  // ---- DHT queries

  MainlineAgent mainline() {
    return mainline;
  }

  CompletableFuture<JsonObject> lookup(NodeId id) {
    if (id.equals(runtime.identity().id())) {
      CompletableFuture<JsonObject> own = runtime.presence().thenApply(p ->
          p.current() == null ? null : ApiJson.presence(DhtValues.parsePresence(p.current()).orElseThrow()));
      return own.thenCompose(o -> o != null ? CompletableFuture.completedFuture(o) : lookupRemote(id));
    }
    return lookupRemote(id);
  }

  private CompletableFuture<JsonObject> lookupRemote(NodeId id) {
    return withPeers().thenCompose(x -> runtime.query((e, now) -> e.get(id, now))).thenApply(r -> {
      Optional<Presence> p = found(r).flatMap(DhtValues::parsePresence);
      if (p.isEmpty()) {
        throw new ApiException(404, "no presence record found for " + id);
      }
      return ApiJson.presence(p.get());
    });
  }

  private CompletableFuture<JsonObject> get(NodeId key) {
    return withPeersOrLocal(key).thenCompose(local -> local != null
        ? CompletableFuture.completedFuture(ApiJson.value(key, local))
        : runtime.query((e, now) -> e.get(key, now)).thenApply(r -> ApiJson.value(key,
            found(r).orElseThrow(() -> new ApiException(404, "no value found for key " + key)))));
  }

  private CompletableFuture<JsonObject> put(JsonObject req) {
    byte[] value = valueBytes(req);
    if (value.length > Limits.MAX_VALUE) {
      throw new ApiException(413, "value is " + value.length + " bytes; the limit is " + Limits.MAX_VALUE);
    }
    if (!bool(req, "mutable")) {
      StoredValue v = DhtValues.immutable(value);
      NodeId key = DhtValues.keyOf(v).orElseThrow();
      return store(v, key, "immutable", 0);
    }
    byte[] salt = string(req, "salt", "default").getBytes(StandardCharsets.UTF_8);
    if (salt.length == 0 || salt.length > Limits.MAX_SALT) {
      throw new ApiException(400, "salt must be 1.." + Limits.MAX_SALT + " bytes, got " + salt.length);
    }
    Long seq = optionalLong(req, "seq");
    Identity me = runtime.identity();
    NodeId key = DhtValues.mutableKey(me.publicKey(), salt);
    return withPeers().thenCompose(x -> runtime.query((e, now) -> e.get(key, now))).thenCompose(r -> {
      long held = found(r).map(DhtValues::seq).orElse(0L);
      long next = seq != null ? seq : held + 1;
      if (found(r).isPresent() && Long.compareUnsigned(next, held) <= 0) {
        throw new ApiException(400, "seq " + Long.toUnsignedString(next) + " is not newer than the held seq "
            + Long.toUnsignedString(held));
      }
      return store(DhtValues.mutable(me, salt, next, value, runtime.networkId()), key, "mutable", next);
    });
  }

  private CompletableFuture<JsonObject> store(StoredValue v, NodeId key, String kind, long seq) {
    return withPeers().thenCompose(x -> runtime.query((e, now) -> e.put(v, now))).thenApply(r -> {
      int acks = r instanceof QueryResult.Stored s ? s.acks() : 0;
      if (acks == 0) {
        throw new ApiException(503, "no peer acknowledged the value");
      }
      JsonObject o = new JsonObject();
      o.addProperty("key", key.toString());
      o.addProperty("kind", kind);
      o.addProperty("seq", ApiJson.unsigned(seq));
      o.addProperty("acks", acks);
      return o;
    });
  }

  private CompletableFuture<Void> withPeers() {
    return runtime.call((e, now) -> e.contactCount()).thenApply(n -> {
      if (n == 0) {
        throw new ApiException(503, "the node has no peers yet");
      }
      return null;
    });
  }

  /** Complete with a locally held value when the node has no peers, else with null (query the DHT). */
  private CompletableFuture<StoredValue> withPeersOrLocal(NodeId key) {
    return runtime.call((e, now) -> e.contactCount() > 0 ? Optional.<StoredValue>empty()
        : Optional.ofNullable(e.store().get(key)).or(() -> Optional.of(NO_PEERS)))
        .thenApply(o -> {
          if (o.orElse(null) == NO_PEERS) {
            throw new ApiException(503, "the node has no peers yet");
          }
          return o.orElse(null);
        });
  }

  private static Optional<StoredValue> found(QueryResult r) {
    return r instanceof QueryResult.Found f ? Optional.of(f.value()) : Optional.empty();
  }

  // ---- request parsing

  static NodeId nodeId(String text) {
    return NodeId.parse(text).orElseThrow(() -> new ApiException(400, "not a node id: " + abbreviate(text)));
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 80) + "...";
  }

  static JsonObject parseObject(String body) {
    try {
      JsonElement e = JsonParser.parseString(body);
      if (e.isJsonObject()) {
        return e.getAsJsonObject();
      }
    } catch (JsonParseException | IllegalStateException e) {
      // fall through to the 400 below
    }
    throw new ApiException(400, "the request body is not a JSON object");
  }

  private static byte[] valueBytes(JsonObject req) {
    try {
      if (req.has("value") && req.get("value").isJsonPrimitive()) {
        return req.get("value").getAsString().getBytes(StandardCharsets.UTF_8);
      }
      if (req.has("valueBase64") && req.get("valueBase64").isJsonPrimitive()) {
        return Base64.getDecoder().decode(req.get("valueBase64").getAsString());
      }
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, "valueBase64 is not valid base64");
    }
    throw new ApiException(400, "the body needs \"value\" (text) or \"valueBase64\"");
  }

  /**
   * Return the whole number {@code name} of {@code req} from {@code min} to {@code max}, or
   * {@code dflt} when it is absent or null; a 400 for anything else (text, fractions, numbers out of
   * the range, however they are written).
   */
  static long wholeNumber(JsonObject req, String name, long dflt, long min, long max) {
    JsonElement e = req.get(name);
    if (e == null || e.isJsonNull()) return dflt;
    if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
      try {
        long v = e.getAsBigDecimal().longValueExact();
        if (v >= min && v <= max) return v;
      } catch (NumberFormatException | ArithmeticException ex) {
        // fall through to the 400 below
      }
    }
    throw new ApiException(400, "\"" + name + "\" must be a whole number from " + min + " to " + max);
  }

  /** Return the flag {@code name} of {@code req} (false when absent or null); a 400 for anything but a boolean. */
  static boolean bool(JsonObject req, String name) {
    JsonElement e = req.get(name);
    if (e == null || e.isJsonNull()) return false;
    if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean()) return e.getAsBoolean();
    throw new ApiException(400, "\"" + name + "\" must be true or false");
  }

  private static String string(JsonObject req, String name, String dflt) {
    JsonElement e = req.get(name);
    if (e == null || e.isJsonNull()) return dflt;
    if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) return e.getAsString();
    throw new ApiException(400, "\"" + name + "\" must be a string");
  }

  private static Long optionalLong(JsonObject req, String name) {
    JsonElement e = req.get(name);
    if (e == null || e.isJsonNull()) return null;
    try {
      if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
        java.math.BigInteger b = e.getAsBigInteger();
        if (b.signum() > 0 && b.bitLength() <= 64) return b.longValue();
      }
    } catch (NumberFormatException ex) {
      // fall through
    }
    throw new ApiException(400, "\"" + name + "\" must be a positive integer below 2^64");
  }
}
