package dev.wormholes.node.web;

import static dev.wormholes.node.web.Html.escape;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * Render the status page from the control API's JSON answers (one per {@link #VIEWS} entry, or
 * {@code {"error": ...}} where a view failed): identity and persona, reachability and NAT, paths,
 * DHT health with the healthy range, contacts (blocked ones and why first, under "needs you"),
 * exposed services, whispers, channels, dropped input by reason. Pure: the same answers give the same page.
 * Every value is passed through {@link Html#escape}, whoever chose it; the page holds no script.
 */
public final class StatusPage {
  /** The API paths the page is made from, by view name. */
  public static final Map<String, String> VIEWS = Map.of(
      "status", "/v1/status", "whoami", "/v1/whoami", "contacts", "/v1/contacts",
      "services", "/v1/services", "paths", "/v1/paths", "dht", "/v1/dht", "drops", "/v1/drops",
      "whispers", "/v1/whispers", "channels", "/v1/channels");
  /** Seconds between the page's own reloads (meta refresh). */
  public static final int REFRESH_SECONDS = 10;

  private final Map<String, JsonObject> v;
  private final String csrf;
  private final StringBuilder b = new StringBuilder(16 * 1024);

  private StatusPage(Map<String, JsonObject> views, String csrf) {
    this.v = views;
    this.csrf = csrf;
  }

  /** Return the page for {@code views} (name to API answer), whose forms carry {@code csrf}. */
  public static String render(Map<String, JsonObject> views, String csrf) {
    return new StatusPage(views, csrf).page();
  }

  private String page() {
    JsonObject status = view("status");
    b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta http-equiv=\"refresh\" content=\"").append(REFRESH_SECONDS).append("\">")
        .append("<meta name=\"viewport\" content=\"width=device-width\">")
        .append("<title>Wormholes node ").append(escape(shortId(str(status, "id")))).append("</title>")
        .append("<link rel=\"stylesheet\" href=\"/web/style.css\"></head><body>\n");
    b.append("<h1>Wormholes node <code>").append(escape(shortId(str(status, "id")))).append("</code></h1>\n");
    needsYou();
    identity(status);
    reachability(status);
    paths();
    dht();
    contacts();
    services();
    whispers();
    channels();
    drops();
    b.append("<footer>Reloads every ").append(REFRESH_SECONDS).append(" s. <form method=\"post\" action=\"/web/logout\">")
        .append(csrfField()).append("<button>Log out</button></form></footer>\n</body></html>\n");
    return b.toString();
  }

  private void needsYou() {
    JsonArray contacts = array(view("contacts"), "contacts");
    StringBuilder items = new StringBuilder();
    for (JsonElement e : contacts) {
      JsonObject c = e.getAsJsonObject();
      String state = str(c, "state");
      if (state.equals("blocked")) {
        items.append("<li class=\"alarm\">Contact <b>").append(escape(str(c, "petname"))).append("</b> is blocked: ")
            .append(escape(str(c, "blockReason"))).append("</li>");
      } else if (state.equals("pending-in")) {
        items.append("<li>").append(escape(str(c, "petname"))).append(" asks to be your contact</li>");
      }
    }
    JsonObject whispers = view("whispers");
    long queued = 0;
    for (JsonElement e : array(whispers, "outbox")) {
      if (str(e.getAsJsonObject(), "state").equals("queued")) {
        queued++;
      }
    }
    if (queued > 0) {
      items.append("<li>").append(queued).append(" whisper(s) wait for their recipient to come online</li>");
    }
    b.append("<section id=\"needs-you\"><h2>Needs you</h2>");
    b.append(items.length() == 0 ? "<p>Nothing.</p>" : "<ul>" + items + "</ul>").append("</section>\n");
  }

  private void identity(JsonObject status) {
    JsonObject me = view("whoami");
    b.append("<section id=\"identity\"><h2>Identity</h2>");
    if (failed(status, "status")) {
      b.append("</section>\n");
      return;
    }
    table(new String[][] {
        {"node id", str(status, "id")},
        {"persona", str(me, "persona")},
        {"devices", join(array(me, "devices"))},
        {"key log seq", str(me, "seq")},
        {"UDP listen", str(status, "listen")},
        {"control API", str(status, "api")},
        {"uptime", duration(num(status, "uptimeSeconds"))},
    });
    b.append("</section>\n");
  }

  private void reachability(JsonObject status) {
    b.append("<section id=\"reachability\"><h2>Reachability and NAT</h2>");
    JsonObject nat = obj(status, "nat");
    if (nat == null) {
      b.append("<p>No NAT agent (secure streams are off).</p></section>\n");
      return;
    }
    StringBuilder pub = new StringBuilder();
    for (JsonElement e : array(nat, "public_endpoints")) {
      pub.append(pub.length() == 0 ? "" : ", ").append(str(e.getAsJsonObject(), "address"))
          .append(" (").append(str(e.getAsJsonObject(), "confidence")).append(")");
    }
    JsonObject pm = obj(nat, "port_mapping");
    JsonObject serving = obj(nat, "serving");
    table(new String[][] {
        {"reachable from the internet", bool(nat, "public") ? "yes (public)" : "no (behind a NAT or firewall)"},
        {"observed endpoints", join(array(status, "observed"))},
        {"public endpoints", pub.toString()},
        {"mapping", str(nat, "mapping")},
        {"filtering", str(nat, "filtering")},
        {"hairpinning", nat.has("hairpinning") && !nat.get("hairpinning").isJsonNull() ? str(nat, "hairpinning") : "untested"},
        {"port mapping", pm == null ? "none" : str(pm, "protocol") + " " + str(pm, "endpoint") + " for " + str(pm, "lifetime_s") + " s"},
        {"rendezvous peers", String.valueOf(array(nat, "rendezvous").size())},
        {"serving others", serving == null ? "" : str(serving, "registrations") + " registrations, "
            + str(serving, "relay_circuits") + " relay circuits"},
    });
    b.append("</section>\n");
  }

  private void paths() {
    JsonObject p = view("paths");
    b.append("<section id=\"paths\"><h2>Paths to peers</h2>");
    if (!failed(p, "paths")) {
      JsonArray list = array(p, "paths");
      if (list.isEmpty()) {
        b.append("<p>No paths in use.</p>");
      } else {
        b.append("<table><tr><th>node</th><th>path</th><th>address</th><th>found in</th></tr>");
        for (JsonElement e : list) {
          JsonObject x = e.getAsJsonObject();
          String kind = str(x, "path");
          b.append("<tr><td><code>").append(escape(shortId(str(x, "node")))).append("</code></td><td class=\"path-")
              .append(cssName(kind)).append("\">").append(escape(kind)).append("</td><td>").append(escape(str(x, "address")))
              .append("</td><td>").append(escape(str(x, "time_to_path_ms"))).append(" ms</td></tr>");
        }
        b.append("</table>");
      }
    }
    b.append("</section>\n");
  }

  private void dht() {
    JsonObject d = view("dht");
    b.append("<section id=\"dht\"><h2>DHT</h2>");
    if (failed(d, "dht")) {
      b.append("</section>\n");
      return;
    }
    String health = str(d, "health");
    b.append("<p class=\"health-").append(cssName(health)).append("\">Routing table: <b>").append(escape(health))
        .append("</b>, ").append(escape(str(d, "contacts"))).append(" contacts, ").append(escape(str(d, "records")))
        .append(" records held").append(bool(d, "readOnly") ? ", read-only (a DHT client)" : "").append(". Healthy: ")
        .append(escape(str(d, "healthy"))).append(". Requests sent ").append(escape(str(d, "requestsSent")))
        .append(", timed out ").append(escape(str(d, "timeouts"))).append(".</p>");
    bucketChart(array(d, "buckets"), (int) Math.max(1, num(d, "k")));
    b.append("</section>\n");
  }

  // One bar per bucket, its height the contacts against k; drawn here, no script.
  private void bucketChart(JsonArray buckets, int k) {
    if (buckets.isEmpty()) {
      return;
    }
    int barW = 18;
    int h = 80;
    int w = buckets.size() * (barW + 4) + 4;
    b.append("<svg class=\"buckets\" role=\"img\" width=\"").append(w).append("\" height=\"").append(h + 18)
        .append("\" viewBox=\"0 0 ").append(w).append(' ').append(h + 18).append("\"><title>contacts per bucket (k = ")
        .append(k).append(")</title>");
    int x = 4;
    for (JsonElement e : buckets) {
      JsonObject bucket = e.getAsJsonObject();
      long n = num(bucket, "contacts");
      long bh = Math.max(1, Math.min(h, n * h / k));
      b.append("<rect x=\"").append(x).append("\" y=\"").append(h - bh).append("\" width=\"").append(barW)
          .append("\" height=\"").append(bh).append("\"><title>bucket ").append(num(bucket, "bucket")).append(": ")
          .append(n).append(" contacts</title></rect><text x=\"").append(x + barW / 2).append("\" y=\"").append(h + 14)
          .append("\">").append(num(bucket, "bucket")).append("</text>");
      x += barW + 4;
    }
    b.append("</svg>");
  }

  private void contacts() {
    JsonObject c = view("contacts");
    b.append("<section id=\"contacts\"><h2>Contacts</h2>");
    if (!failed(c, "contacts")) {
      JsonArray list = array(c, "contacts");
      if (list.isEmpty()) {
        b.append("<p>No contacts yet: <code>wormholes invite</code>, then <code>wormholes accept LINK</code>.</p>");
      } else {
        b.append("<table><tr><th>petname</th><th>state</th><th>key</th><th>persona</th><th>devices</th><th>since</th><th></th></tr>");
        for (JsonElement e : list) {
          contactRow(e.getAsJsonObject());
        }
        b.append("</table>");
      }
    }
    b.append("</section>\n");
  }

  private void contactRow(JsonObject c) {
    String state = str(c, "state");
    String name = str(c, "petname");
    b.append("<tr class=\"contact-").append(cssName(state)).append("\"><td>").append(escape(name)).append("</td><td>")
        .append(escape(state)).append(c.has("blockReason") ? ": " + escape(str(c, "blockReason")) : "").append("</td><td>")
        .append(bool(c, "verified") ? "verified" : "pinned on first use").append(" at ").append(escape(shortId(str(c, "pinned"))))
        .append("</td><td><code>").append(escape(shortId(str(c, "persona")))).append("</code></td><td>")
        .append(array(c, "nodes").size()).append("</td><td>").append(escape(str(c, "firstSeen"))).append("</td><td>");
    String action = state.equals("blocked") ? "unblock" : "block";
    b.append("<form method=\"post\" action=\"/web/contact\">").append(csrfField())
        .append("<input type=\"hidden\" name=\"name\" value=\"").append(escape(name)).append("\">")
        .append("<button name=\"action\" value=\"").append(action).append("\">").append(action).append("</button></form>");
    b.append("</td></tr>");
  }

  private void services() {
    JsonObject s = view("services");
    b.append("<section id=\"services\"><h2>Services exposed</h2>");
    if (!failed(s, "services")) {
      JsonArray list = array(s, "services");
      if (list.isEmpty()) {
        b.append("<p>None.</p>");
      } else {
        b.append("<table><tr><th>service</th><th>forwards to</th><th>who may connect</th></tr>");
        for (JsonElement e : list) {
          JsonObject x = e.getAsJsonObject();
          int allowed = array(x, "allow").size();
          String who = bool(x, "public") ? "anyone (public)"
              : "accepted contacts" + (allowed > 0 ? " and " + allowed + " node(s) on the allow-list" : "");
          b.append("<tr><td>").append(escape(str(x, "service"))).append("</td><td>").append(escape(str(x, "target")))
              .append("</td><td>").append(escape(who)).append("</td></tr>");
        }
        b.append("</table>");
      }
    }
    b.append("</section>\n");
  }

  private void whispers() {
    JsonObject w = view("whispers");
    b.append("<section id=\"whispers\"><h2>Whispers</h2>");
    if (!failed(w, "whispers")) {
      JsonArray inbox = array(w, "inbox");
      b.append("<p>").append(inbox.size()).append(" received, ").append(array(w, "outbox").size())
          .append(" sent or waiting.</p>");
      if (!inbox.isEmpty()) {
        b.append("<table><tr><th>from</th><th>sent</th><th>text</th></tr>");
        int from = Math.max(0, inbox.size() - 10);
        for (int i = inbox.size() - 1; i >= from; i--) {
          JsonObject x = inbox.get(i).getAsJsonObject();
          b.append("<tr><td>").append(escape(str(x, "from"))).append("</td><td>").append(escape(str(x, "sentAt")))
              .append("</td><td class=\"text\">").append(escape(str(x, "text"))).append("</td></tr>");
        }
        b.append("</table>");
      }
      JsonArray outbox = array(w, "outbox");
      if (!outbox.isEmpty()) {
        b.append("<table><tr><th>to</th><th>state</th><th>attempts</th><th>text</th></tr>");
        for (JsonElement e : outbox) {
          JsonObject x = e.getAsJsonObject();
          b.append("<tr><td>").append(escape(str(x, "to"))).append("</td><td>").append(escape(str(x, "state")))
              .append("</td><td>").append(escape(str(x, "attempts"))).append("</td><td class=\"text\">")
              .append(escape(str(x, "text"))).append("</td></tr>");
        }
        b.append("</table>");
      }
    }
    b.append("</section>\n");
  }

  // One line per channel: name, members, posts, epoch (and whether this node was removed).
  private void channels() {
    JsonObject c = view("channels");
    b.append("<section id=\"channels\"><h2>Channels</h2>");
    if (!failed(c, "channels")) {
      JsonArray list = array(c, "channels");
      b.append("<p>").append(list.size()).append(" channel(s).</p>");
      if (!list.isEmpty()) {
        b.append("<table><tr><th>name</th><th>members</th><th>posts</th><th>epoch</th></tr>");
        for (JsonElement e : list) {
          JsonObject x = e.getAsJsonObject();
          b.append("<tr><td>").append(escape(str(x, "name")))
              .append(Boolean.parseBoolean(str(x, "member")) ? "" : " (removed)").append("</td><td>")
              .append(array(x, "members").size()).append("</td><td>").append(escape(str(x, "posts")))
              .append("</td><td>").append(escape(str(x, "epoch"))).append("</td></tr>");
        }
        b.append("</table>");
      }
    }
    b.append("</section>\n");
  }

  private void drops() {
    JsonObject d = view("drops");
    b.append("<section id=\"drops\"><h2>Dropped and refused input</h2>");
    if (!failed(d, "drops")) {
      b.append("<p>").append(escape(str(d, "total"))).append(" in all since start.</p>");
      b.append("<table><tr><th>stage</th><th>reason</th><th>count</th></tr>");
      int rows = 0;
      for (Map.Entry<String, JsonElement> s : d.entrySet()) {
        if (!s.getValue().isJsonObject()) {
          continue; // the total
        }
        String stage = s.getKey();
        for (Map.Entry<String, JsonElement> e : s.getValue().getAsJsonObject().entrySet()) {
          b.append("<tr><td>").append(escape(stage)).append("</td><td>").append(escape(e.getKey()))
              .append("</td><td>").append(escape(e.getValue().isJsonPrimitive() ? e.getValue().getAsString() : ""))
              .append("</td></tr>");
          rows++;
        }
      }
      if (rows == 0) {
        b.append("<tr><td colspan=\"3\">nothing dropped</td></tr>");
      }
      b.append("</table>");
    }
    b.append("</section>\n");
  }

  // ---- helpers

  private JsonObject view(String name) {
    JsonObject o = v.get(name);
    return o == null ? new JsonObject() : o;
  }

  private boolean failed(JsonObject o, String what) {
    if (o.has("error")) {
      b.append("<p class=\"error\">").append(escape(what)).append(" unavailable: ").append(escape(str(o, "error"))).append("</p>");
      return true;
    }
    return false;
  }

  private void table(String[][] rows) {
    b.append("<table class=\"facts\">");
    for (String[] r : rows) {
      b.append("<tr><th>").append(escape(r[0])).append("</th><td>").append(escape(r[1])).append("</td></tr>");
    }
    b.append("</table>");
  }

  private String csrfField() {
    return "<input type=\"hidden\" name=\"csrf\" value=\"" + escape(csrf) + "\">";
  }

  static String str(JsonObject o, String key) {
    if (o == null) {
      return "";
    }
    JsonElement e = o.get(key);
    return e == null || e.isJsonNull() ? "" : e.isJsonPrimitive() ? e.getAsString() : e.toString();
  }

  private static long num(JsonObject o, String key) {
    JsonElement e = o == null ? null : o.get(key);
    try {
      return e != null && e.isJsonPrimitive() ? e.getAsLong() : 0;
    } catch (NumberFormatException x) {
      return 0;
    }
  }

  private static boolean bool(JsonObject o, String key) {
    JsonElement e = o == null ? null : o.get(key);
    return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean() && e.getAsBoolean();
  }

  private static JsonObject obj(JsonObject o, String key) {
    JsonElement e = o == null ? null : o.get(key);
    return e != null && e.isJsonObject() ? e.getAsJsonObject() : null;
  }

  private static JsonArray array(JsonObject o, String key) {
    JsonElement e = o == null ? null : o.get(key);
    return e != null && e.isJsonArray() ? e.getAsJsonArray() : new JsonArray();
  }

  private static String join(JsonArray a) {
    StringBuilder s = new StringBuilder();
    for (JsonElement e : a) {
      s.append(s.length() == 0 ? "" : ", ").append(e.isJsonPrimitive() ? e.getAsString() : e.toString());
    }
    return s.length() == 0 ? "none" : s.toString();
  }

  // A word from a fixed vocabulary as a class name; anything else is "other".
  private static String cssName(String word) {
    return word.matches("[a-z-]{1,32}") ? word : "other";
  }

  private static String shortId(String id) {
    return id.length() > 16 ? id.substring(0, 8) + "…" + id.substring(id.length() - 4) : id;
  }

  private static String duration(long s) {
    return s >= 3600 ? s / 3600 + " h " + s % 3600 / 60 + " min" : s >= 60 ? s / 60 + " min " + s % 60 + " s" : s + " s";
  }
}
