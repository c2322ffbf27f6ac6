package dev.wormholes.node.api;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.wormholes.dht.Contact;
import dev.wormholes.dht.DhtEngine;
import dev.wormholes.dht.DropReason;
import dev.wormholes.node.runtime.RuntimeCounters;
import dev.wormholes.node.runtime.UdpRuntime;
import dev.wormholes.proto.NodeId;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Two read-only views of the node's health: {@code GET /v1/dht} (the routing table by bucket, its
 * fill against k and a verdict with the healthy range it was judged by) and {@code GET /v1/drops}
 * (every counter of dropped or refused input, by stage and reason).
 */
final class HealthRoutes {
  /** A timeout share of the DHT requests sent above this is {@code lossy}. */
  static final double LOSSY_TIMEOUT_SHARE = 0.25;

  private HealthRoutes() {}

  /**
   * {@code GET /v1/dht}: {@code {"k","contacts","records","readOnly","runningQueries","outstanding",
   * "requestsSent","timeouts","buckets":[{"bucket","contacts"}...],"health","healthy"}}; a bucket is
   * named by how many leading bits its contacts share with this node's id.
   */
  static CompletableFuture<JsonObject> dht(UdpRuntime runtime) {
    return runtime.call((e, now) -> dhtJson(e));
  }

  static JsonObject dhtJson(DhtEngine e) {
    NodeId self = e.id();
    TreeMap<Integer, Integer> buckets = new TreeMap<>();
    List<Contact> all = e.contacts();
    for (Contact c : all) {
      buckets.merge(self.commonPrefixLength(c.id()), 1, Integer::sum);
    }
    int k = e.config().k();
    Map<String, Long> stats = e.stats().snapshot();
    long sent = stats.getOrDefault("requestsOut", 0L);
    long timeouts = stats.getOrDefault("timeouts", 0L);
    JsonObject o = new JsonObject();
    o.addProperty("k", k);
    o.addProperty("contacts", all.size());
    o.addProperty("records", e.store().size());
    o.addProperty("readOnly", e.isReadOnly());
    o.addProperty("runningQueries", e.runningQueries());
    o.addProperty("outstanding", e.outstandingRequests());
    o.addProperty("requestsSent", sent);
    o.addProperty("timeouts", timeouts);
    JsonArray b = new JsonArray();
    buckets.forEach((bucket, n) -> {
      JsonObject j = new JsonObject();
      j.addProperty("bucket", bucket);
      j.addProperty("contacts", n);
      b.add(j);
    });
    o.add("buckets", b);
    String health;
    if (all.isEmpty()) {
      health = "alone";
    } else if (sent >= 20 && timeouts > LOSSY_TIMEOUT_SHARE * sent) {
      health = "lossy";
    } else if (all.size() < k) {
      health = "thin";
    } else {
      health = "healthy";
    }
    o.addProperty("health", health);
    o.addProperty("healthy", "at least k = " + k + " contacts (fewer is normal only in a network of fewer"
        + " than " + (k + 1) + " nodes) and at most " + Math.round(LOSSY_TIMEOUT_SHARE * 100)
        + " % of DHT requests timing out");
    return o;
  }

  /** The stages of {@code /v1/drops}, in their order. */
  static final List<String> STAGES = List.of("runtime", "dht", "nat", "quic", "streams", "whispers", "channels");

  /**
   * {@code GET /v1/drops}: {@code {"runtime":{reason:N},"dht":{reason:N},"nat":{reason:N},
   * "quic":{reason:N},"streams":{"refused":N},"whispers":{reason:N},"channels":{reason:N},"total":N}}: dropped datagrams
   * before the engine and by the DHT engine, refused NAT/relay input, refused QUIC connections, refused streams, refused
   * whispers and channel gossip refused ({@link ChannelControl#refused()}). Reasons whose count is zero are left out.
   */
  static CompletableFuture<JsonObject> drops(ApiRoutes routes) {
    UdpRuntime runtime = routes.runtime();
    CompletableFuture<Map<String, Long>> dht = runtime.call((e, now) -> e.stats().snapshot());
    CompletableFuture<dev.wormholes.node.nat.NatStatus> nat = routes.nat() == null
        ? CompletableFuture.completedFuture(null) : routes.nat().status();
    return dht.thenCombine(nat, (stats, n) -> {
      JsonObject o = new JsonObject();
      RuntimeCounters c = runtime.counters();
      JsonObject rt = new JsonObject();
      put(rt, "oversized", c.droppedOversized.get());
      put(rt, "empty", c.droppedEmpty.get());
      put(rt, "not_dht", c.droppedNotDht.get());
      put(rt, "rate_limited", c.droppedRateLimited.get());
      o.add("runtime", rt);
      JsonObject d = new JsonObject();
      for (DropReason r : DropReason.values()) {
        put(d, r.name().toLowerCase(Locale.ROOT), stats.getOrDefault("dropped." + r.name(), 0L));
      }
      o.add("dht", d);
      JsonObject nj = new JsonObject();
      if (n != null) {
        n.refused().forEach((reason, count) -> put(nj, reason, count));
      }
      o.add("nat", nj);
      JsonObject q = new JsonObject();
      StreamControl s = routes.streamsOrNull();
      if (s != null) {
        put(q, "total_cap", s.connections().refusedTotal());
        put(q, "per_peer_cap", s.connections().refusedPerPeer());
      }
      o.add("quic", q);
      JsonObject st = new JsonObject();
      PeopleControl p = routes.peopleOrNull();
      if (p != null) {
        JsonObject refused = p.whoami().getAsJsonObject("refusedStreams");
        put(st, "refused", refused == null ? 0 : refused.get("refused").getAsLong());
      }
      o.add("streams", st);
      JsonObject w = new JsonObject();
      WhisperControl wc = routes.whispersOrNull();
      if (wc != null) {
        wc.refused().forEach((reason, count) -> put(w, reason, count));
      }
      o.add("whispers", w);
      JsonObject ch = new JsonObject();
      ChannelControl cc = routes.channelsOrNull();
      if (cc != null) {
        cc.refused().forEach((reason, count) -> put(ch, reason, count));
      }
      o.add("channels", ch);
      long total = 0;
      for (String stage : STAGES) {
        for (var e : o.getAsJsonObject(stage).entrySet()) {
          total += e.getValue().getAsLong();
        }
      }
      o.addProperty("total", total);
      return o;
    });
  }

  private static void put(JsonObject o, String reason, long n) {
    if (n != 0) {
      o.addProperty(reason, n);
    }
  }
}
