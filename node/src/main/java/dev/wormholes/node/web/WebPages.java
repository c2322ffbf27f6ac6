package dev.wormholes.node.web;

import com.google.gson.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The browser side of the control API's port: every path under {@link #PREFIX}.
 *
 * <ul>
 *   <li>{@code GET /web/login?code=C}: trades a one-time code ({@link WebSessions}) for a session
 *       cookie ({@code HttpOnly}, {@code SameSite=Strict}, path {@code /web}), then 303 to the page;
 *   <li>{@code GET /web/}: the status page ({@link StatusPage}), for a live session only;
 *   <li>{@code POST /web/contact} (form: {@code csrf}, {@code action} block|unblock, {@code name}),
 *       {@code POST /web/logout}: need the session and its CSRF token, then 303 to the page;
 *   <li>{@code GET /web/style.css}.
 * </ul>
 *
 * <p>Every answer forbids scripts, frames and other origins (Content-Security-Policy), is not
 * cached, and names no referrer; a {@code Host} other than a loopback name (DNS rebinding) or a
 * foreign {@code Origin} on a POST is refused with 403.
 */
public final class WebPages {
  /** Every path of the browser side starts with this. */
  public static final String PREFIX = "/web";
  /** The session cookie's name. */
  public static final String COOKIE = "wh_session";
  /** The Content-Security-Policy of every answer. */
  public static final String CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self';"
      + " frame-ancestors 'none'; base-uri 'none'";
  /** How long the page waits for the API's answers. */
  static final long VIEW_TIMEOUT_MS = 5_000;

  /** The API the page reads: method, path and body to a future JSON answer. */
  @FunctionalInterface
  public interface Api {
    /** Call {@code method path} with {@code body}; complete with the answer or fail as the API does. */
    CompletableFuture<JsonObject> call(String method, String path, String body);
  }

  /**
   * One browser request.
   *
   * @param method GET, POST, ...
   * @param path the path without the query
   * @param query the decoded query parameters
   * @param host the Host header (may be null)
   * @param origin the Origin header (may be null)
   * @param cookie the Cookie header (may be null)
   * @param body the request body (a form for POST)
   */
  public record Request(String method, String path, Map<String, String> query, String host, String origin,
      String cookie, String body) {}

  /**
   * One answer.
   *
   * @param status HTTP status
   * @param contentType the Content-Type
   * @param body the body
   * @param headers further headers (Location, Set-Cookie, ...)
   */
  public record Answer(int status, String contentType, String body, Map<String, String> headers) {}

  private final Api api;
  private final WebSessions sessions;

  /** Serve pages made from {@code api}, to browsers holding a session of {@code sessions}. */
  public WebPages(Api api, WebSessions sessions) {
    this.api = api;
    this.sessions = sessions;
  }

  /** Return whether {@code path} belongs to the browser side. */
  public static boolean handles(String path) {
    return path.equals(PREFIX) || path.startsWith(PREFIX + "/");
  }

  /** Answer {@code r}. */
  public CompletableFuture<Answer> handle(Request r) {
    if (!loopbackHost(r.host())) {
      return done(page(403, "Wrong host", "This page answers only to 127.0.0.1, localhost or [::1]."));
    }
    boolean get = r.method().equals("GET");
    boolean post = r.method().equals("POST");
    if (post && r.origin() != null && !r.origin().equals("http://" + r.host())) {
      return done(page(403, "Refused", "A form from another site may not act on this node."));
    }
    if (get && r.path().equals(PREFIX + "/style.css")) {
      return done(new Answer(200, "text/css; charset=utf-8", STYLE, Map.of()));
    }
    if (get && r.path().equals(PREFIX + "/login")) {
      return done(login(r.query().getOrDefault("code", "")));
    }
    String session = cookie(r.cookie());
    Optional<String> csrf = session == null ? Optional.empty() : sessions.csrfOf(session);
    if (csrf.isEmpty()) {
      return done(page(401, "Log in first",
          "Open the one-time URL that <code>wormholes web</code> prints; this page needs it."));
    }
    if (get && (r.path().equals(PREFIX) || r.path().equals(PREFIX + "/"))) {
      return statusPage(csrf.get());
    }
    if (post) {
      Map<String, String> form = form(r.body());
      if (!WebSessions.same(form.get("csrf"), csrf.get())) {
        return done(page(403, "Refused", "The form's token is missing or stale: reload the page and try again."));
      }
      if (r.path().equals(PREFIX + "/logout")) {
        sessions.end(session);
        return done(new Answer(303, "text/plain; charset=utf-8", "", Map.of("Location", PREFIX + "/",
            "Set-Cookie", COOKIE + "=; Path=" + PREFIX + "; Max-Age=0; HttpOnly; SameSite=Strict")));
      }
      if (r.path().equals(PREFIX + "/contact")) {
        return contact(form);
      }
    }
    return done(page(404, "Not found", "There is no such page."));
  }

  private Answer login(String code) {
    Optional<String> session = sessions.redeem(code);
    if (session.isEmpty()) {
      return page(403, "Login link used or expired",
          "Each URL from <code>wormholes web</code> works once, for a few minutes: run it again.");
    }
    return new Answer(303, "text/plain; charset=utf-8", "", Map.of("Location", PREFIX + "/",
        "Set-Cookie", COOKIE + "=" + session.get() + "; Path=" + PREFIX + "; HttpOnly; SameSite=Strict"));
  }

  private CompletableFuture<Answer> statusPage(String csrf) {
    Map<String, CompletableFuture<JsonObject>> calls = new LinkedHashMap<>();
    StatusPage.VIEWS.forEach((name, path) -> calls.put(name, call("GET", path, "")));
    return CompletableFuture.allOf(calls.values().toArray(new CompletableFuture<?>[0])).thenApply(x -> {
      Map<String, JsonObject> views = new HashMap<>();
      calls.forEach((name, f) -> views.put(name, f.join()));
      return new Answer(200, "text/html; charset=utf-8", StatusPage.render(views, csrf), Map.of());
    });
  }

  private CompletableFuture<Answer> contact(Map<String, String> form) {
    String action = form.getOrDefault("action", "");
    if (!action.equals("block") && !action.equals("unblock")) {
      return done(page(400, "Bad form", "The action must be block or unblock."));
    }
    JsonObject body = new JsonObject();
    body.addProperty("action", action);
    body.addProperty("name", form.getOrDefault("name", ""));
    return call("POST", "/v1/contact", body.toString()).thenApply(o -> o.has("error")
        ? page(400, "Not done", Html.escape(StatusPage.str(o, "error")))
        : new Answer(303, "text/plain; charset=utf-8", "", Map.of("Location", PREFIX + "/#contacts")));
  }

  // The API's answer, or {"error": ...} when it failed or took too long.
  private CompletableFuture<JsonObject> call(String method, String path, String body) {
    CompletableFuture<JsonObject> f;
    try {
      f = api.call(method, path, body);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    return f.orTimeout(VIEW_TIMEOUT_MS, TimeUnit.MILLISECONDS).handle((o, t) -> {
      if (t == null) {
        return o;
      }
      Throwable c = t;
      while (c.getCause() != null && (c instanceof java.util.concurrent.CompletionException)) {
        c = c.getCause();
      }
      JsonObject e = new JsonObject();
      e.addProperty("error", c instanceof java.util.concurrent.TimeoutException ? "no answer in time"
          : String.valueOf(c.getMessage()));
      return e;
    });
  }

  private static CompletableFuture<Answer> done(Answer a) {
    return CompletableFuture.completedFuture(a);
  }

  // A short page; `html` is markup written here, never text from elsewhere unescaped.
  private static Answer page(int status, String title, String html) {
    return new Answer(status, "text/html; charset=utf-8", "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<title>" + Html.escape(title) + "</title><link rel=\"stylesheet\" href=\"/web/style.css\"></head><body><h1>"
        + Html.escape(title) + "</h1><p>" + html + "</p></body></html>\n", Map.of());
  }

  /** Return whether {@code host} (a Host header) names a loopback address, with or without a port. */
  static boolean loopbackHost(String host) {
    if (host == null) {
      return false;
    }
    String h = host.toLowerCase(java.util.Locale.ROOT);
    String name = h.startsWith("[") ? h.substring(0, h.indexOf(']') + 1)
        : h.contains(":") ? h.substring(0, h.indexOf(':')) : h;
    return name.equals("127.0.0.1") || name.equals("localhost") || name.equals("[::1]");
  }

  /** Return the session cookie's value in a Cookie header, or null. */
  static String cookie(String header) {
    if (header == null) {
      return null;
    }
    for (String part : header.split(";")) {
      String p = part.strip();
      if (p.startsWith(COOKIE + "=")) {
        return p.substring(COOKIE.length() + 1);
      }
    }
    return null;
  }

  /** Return the fields of an {@code application/x-www-form-urlencoded} body (first value of each; at most 16). */
  static Map<String, String> form(String body) {
    Map<String, String> out = new HashMap<>();
    List<String> parts = new ArrayList<>(List.of(body == null ? new String[0] : body.split("&")));
    for (String p : parts.subList(0, Math.min(16, parts.size()))) {
      int eq = p.indexOf('=');
      if (eq <= 0) {
        continue;
      }
      try {
        out.putIfAbsent(URLDecoder.decode(p.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        // a malformed escape: leave the field out
      }
    }
    return out;
  }

  static final String STYLE = """
      body { font-family: "DejaVu Sans", sans-serif; margin: 1.5em; max-width: 70em; color: #1d1d1d; }
      h1 { font-size: 1.4em; } h2 { font-size: 1.1em; border-bottom: 1px solid #ccc; margin-top: 1.6em; }
      table { border-collapse: collapse; margin: 0.4em 0; } th, td { text-align: left; padding: 0.2em 0.8em 0.2em 0; vertical-align: top; }
      table.facts th { font-weight: normal; color: #555; } code { font-family: "DejaVu Sans Mono", monospace; }
      .alarm, .contact-blocked, .error, .health-alone, .health-lossy { color: #a40000; }
      .health-healthy { color: #1a6b1a; } .health-thin { color: #8a5a00; }
      .path-relayed { color: #8a5a00; } .path-direct, .path-punched, .path-lan, .path-mapped { color: #1a6b1a; }
      td.text { white-space: pre-wrap; max-width: 40em; overflow-wrap: anywhere; }
      svg.buckets rect { fill: #3465a4; } svg.buckets text { font-size: 9px; text-anchor: middle; fill: #555; }
      form { display: inline; } footer { margin-top: 2em; color: #555; }
      """;
}
