package dev.wormholes.node.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Short human forms of the control API's answers, one {@code label  value} pair a line. Missing
 * fields print as {@code -}: a newer or older daemon never makes the client fail.
 */
final class Render {
  private Render() {}

  /** Return the text for {@code GET /v1/id}: the id alone, so it can be copied or captured. */
  static String id(JsonObject id) {
    return str(id, "id") + "\n";
  }

  /** Return the text for {@code GET /v1/status}. */
  static String status(JsonObject s) {
    return table(List.of(
        row("id", str(s, "id")),
        row("listen", "udp " + str(s, "listen")),
        row("api", str(s, "api")),
        row("socks", str(s, "socks").isEmpty() ? "none" : str(s, "socksUrl")),
        row("observed", join(s.get("observed"), "none yet")),
        row("peers", str(s, "peers")),
        row("records", str(s, "records")),
        row("dht", dhtMode(str(s, "dhtMode"))),
        row("uptime", uptime(s)),
        row("dropped", str(s, "dropped") + " datagrams"),
        row("quic", quic(s.has("quic") && s.get("quic").isJsonObject() ? s.getAsJsonObject("quic") : null))))
        + nat(s.has("nat") && s.get("nat").isJsonObject() ? s.getAsJsonObject("nat") : null)
        + mainline(s.has("mainline") && s.get("mainline").isJsonObject() ? s.getAsJsonObject("mainline") : null)
        + privateNetworks(s.has("private") && s.get("private").isJsonObject() ? s.getAsJsonObject("private") : null)
        + people(s.has("people") && s.get("people").isJsonObject() ? s.getAsJsonObject("people") : null);
  }

  // The public DHT's mode of GET /v1/status: what the node does there, and the way out of the id-work case.
  private static String dhtMode(String mode) {
    return switch (mode) {
      case "full" -> "full (answers others and is kept as their contact)";
      case "off" -> "off (private networks only: --no-public)";
      case "read-only" -> "read-only (a client: its NAT filters strangers)";
      case "read-only-no-id-work" -> "read-only: this identity lacks the id work (made by an older version);"
          + " a new --data DIR makes a full one";
      default -> mode;
    };
  }

  /** Return the private networks line of {@code status}: networks, sealed datagrams opened and dropped. */
  static String privateNetworks(JsonObject p) {
    if (p == null) {
      return "";
    }
    JsonObject d = p.getAsJsonObject("dropped");
    return table(List.<String[]>of(row("private", str(p, "networks") + " networks, " + str(p, "opened")
        + " sealed datagrams opened, dropped " + str(d, "total") + " (unknown key " + str(d, "unknown_key")
        + ", stale epoch " + str(d, "stale_epoch") + ", for another node " + str(d, "other_receiver")
        + ", bad tag " + str(d, "bad_tag") + ", replayed "
        + str(d, "replayed") + ", malformed " + str(d, "malformed") + ", not a member " + str(d, "not_member") + ")")));
  }

  /** Return the people lines of {@code status}: persona and log seq, then every alarm and blocked contact. */
  static String people(JsonObject p) {
    if (p == null || !p.has("persona")) {
      return "";
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(row("persona", str(p, "persona") + ", log seq " + str(p, "seq")));
    for (JsonElement e : array(p, "alarms")) {
      rows.add(row("ALARM", e.getAsString()));
    }
    for (JsonElement e : array(p, "blockedContacts")) {
      rows.add(row("blocked", e.getAsString()));
    }
    return table(rows);
  }

  /** Return the mainline line of {@code status}: what the node publishes there (none when it does not use it). */
  static String mainline(JsonObject m) {
    if (m == null) {
      return "";
    }
    return table(List.of(
        row("mainline", str(m, "nodes") + " nodes, " + (Boolean.parseBoolean(str(m, "reachable")) ? "announcing" : "read-only")
            + " under info-hash " + str(m, "infoHash")),
        row("publishes", "BEP 44 item, key " + str(m, "publicKey") + ", salt " + str(m, "salt")
            + ", seq " + str(m, "publishedSeq"))));
  }

  // "N connections from other nodes, refused: N at the total cap, N at the cap per address".
  private static String quic(JsonObject q) {
    if (q == null) {
      return "no streams";
    }
    JsonObject r = q.has("refused") && q.get("refused").isJsonObject() ? q.getAsJsonObject("refused") : new JsonObject();
    return str(q, "accepted") + " connections from other nodes, refused: " + str(r, "total_cap")
        + " at the total cap, " + str(r, "per_peer_cap") + " at the cap per address";
  }

  /** Return the NAT lines of {@code status} (none when the daemon reports no NAT object). */
  static String nat(JsonObject n) {
    if (n == null) {
      return "";
    }
    List<String[]> rows = new ArrayList<>();
    boolean pub = n.has("public") && n.get("public").isJsonPrimitive() && n.get("public").getAsBoolean();
    rows.add(row("nat", (pub ? "public" : "mapping " + str(n, "mapping")) + ", filtering " + str(n, "filtering")
        + ", hairpin " + (n.has("hairpinning") && !n.get("hairpinning").isJsonNull() ? str(n, "hairpinning") : "untested")
        + ", port preserving " + str(n, "port_preserving") + ", lifetime " + str(n, "lifetime_s") + " s"));
    for (JsonElement e : array(n, "public_endpoints")) {
      JsonObject p = e.isJsonObject() ? e.getAsJsonObject() : new JsonObject();
      rows.add(row("public", str(p, "address") + " (" + str(p, "confidence") + ")"));
    }
    JsonElement pm = n.get("port_mapping");
    if (pm != null && pm.isJsonObject()) {
      JsonObject m = pm.getAsJsonObject();
      rows.add(row("port map", str(m, "protocol") + " " + str(m, "endpoint") + " (lease " + str(m, "lifetime_s") + " s)"));
    } else {
      rows.add(row("port map", "none"));
    }
    JsonArray rv = array(n, "rendezvous");
    for (JsonElement e : rv) {
      JsonObject p = e.isJsonObject() ? e.getAsJsonObject() : new JsonObject();
      rows.add(row("rendezvous", str(p, "id") + "  " + str(p, "address")));
    }
    if (rv.size() == 0) {
      rows.add(row("rendezvous", "none"));
    }
    JsonObject serving = n.has("serving") && n.get("serving").isJsonObject() ? n.getAsJsonObject("serving") : new JsonObject();
    rows.add(row("serving", str(serving, "registrations") + " registrations, " + str(serving, "relay_circuits") + " relay circuits"));
    long refused = 0;
    if (n.has("refused") && n.get("refused").isJsonObject()) {
      for (var e : n.getAsJsonObject("refused").entrySet()) {
        refused += e.getValue().isJsonPrimitive() ? e.getValue().getAsLong() : 0;
      }
    }
    rows.add(row("refused", refused + " nat datagrams"));
    return table(rows);
  }

  /** Return the text for {@code GET /v1/peers}: one {@code id  address} line per peer. */
  static String peers(JsonObject p) {
    JsonArray peers = array(p, "peers");
    if (peers.size() == 0) {
      return "no peers yet\n";
    }
    StringBuilder b = new StringBuilder();
    for (JsonElement e : peers) {
      JsonObject peer = e.isJsonObject() ? e.getAsJsonObject() : new JsonObject();
      b.append(str(peer, "id")).append("  ").append(str(peer, "address")).append('\n');
    }
    return b.toString();
  }

  /** Return the text for {@code GET /v1/lookup/ID}: the verified presence record. */
  static String lookup(JsonObject r, Instant now) {
    List<String[]> rows = new ArrayList<>();
    rows.add(row("id", str(r, "id")));
    rows.add(row("seq", str(r, "seq")));
    rows.add(row("expires", expiry(str(r, "expiresAt"), now)));
    JsonArray endpoints = array(r, "endpoints");
    for (JsonElement e : endpoints) {
      JsonObject ep = e.isJsonObject() ? e.getAsJsonObject() : new JsonObject();
      rows.add(row("endpoint", str(ep, "address") + " (" + str(ep, "kind") + ")"));
    }
    if (endpoints.size() == 0) {
      rows.add(row("endpoint", "none"));
    }
    if (r.has("nat") && r.get("nat").isJsonObject() && r.getAsJsonObject("nat").size() > 0) {
      rows.add(row("nat", r.get("nat").toString()));
    }
    rows.add(row("pubkey", str(r, "publicKey")));
    if (r.has("source")) {
      rows.add(row("source", str(r, "source")));
    }
    return table(rows);
  }

  /** Return the text for {@code POST /v1/put}: the key alone, so {@code KEY=$(wormholes put x)} works. */
  static String putKey(JsonObject p) {
    return str(p, "key") + "\n";
  }

  /** Return the one-line summary of a put for stderr. */
  static String putSummary(JsonObject p) {
    String kind = str(p, "kind");
    String seq = "mutable".equals(kind) ? " seq " + str(p, "seq") + "," : "";
    return kind + " value," + seq + " stored on " + str(p, "acks") + " nodes\n";
  }

  /** Return the text for {@code GET /v1/get/KEY} when KEY holds a presence record. */
  static String presenceHint(JsonObject g) {
    return "a presence record (seq " + str(g, "seq") + "): read it with wormholes lookup " + str(g, "key") + "\n";
  }

  static String str(JsonObject o, String name) {
    JsonElement e = o.get(name);
    if (e == null || e.isJsonNull()) {
      return "-";
    }
    return e.isJsonPrimitive() ? e.getAsString() : e.toString();
  }

  private static JsonArray array(JsonObject o, String name) {
    JsonElement e = o.get(name);
    return e != null && e.isJsonArray() ? e.getAsJsonArray() : new JsonArray();
  }

  private static String join(JsonElement e, String ifEmpty) {
    if (e == null || !e.isJsonArray() || e.getAsJsonArray().size() == 0) {
      return ifEmpty;
    }
    List<String> parts = new ArrayList<>();
    for (JsonElement x : e.getAsJsonArray()) {
      parts.add(x.isJsonPrimitive() ? x.getAsString() : x.toString());
    }
    return String.join(", ", parts);
  }

  private static String uptime(JsonObject s) {
    JsonElement e = s.get("uptimeSeconds");
    if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
      return "-";
    }
    return duration(Duration.ofSeconds(e.getAsLong()));
  }

  /** Return {@code iso (in 59m 10s)}, or {@code iso (expired)}. */
  static String expiry(String iso, Instant now) {
    try {
      Duration left = Duration.between(now, Instant.parse(iso));
      return iso + (left.isNegative() ? " (expired)" : " (in " + duration(left) + ")");
    } catch (DateTimeParseException e) {
      return iso;
    }
  }

  /** Return a duration as {@code 1h 2m}, {@code 3m 4s} or {@code 5s}. */
  static String duration(Duration d) {
    long s = d.toSeconds();
    if (s >= 3600) {
      return s / 3600 + "h " + (s % 3600) / 60 + "m";
    }
    if (s >= 60) {
      return s / 60 + "m " + s % 60 + "s";
    }
    return s + "s";
  }

  private static String[] row(String label, String value) {
    return new String[] {label, value};
  }

  private static String table(List<String[]> rows) {
    StringBuilder b = new StringBuilder();
    for (String[] r : rows) {
      b.append(String.format("%-9s %s", r[0], r[1])).append('\n');
    }
    return b.toString();
  }
}
