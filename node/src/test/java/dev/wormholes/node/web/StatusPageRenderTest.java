package dev.wormholes.node.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.strings;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The page made from API answers holding hostile text: every string is escaped, no markup gets in. */
class StatusPageRenderTest {
  static final String EVIL = "<script>alert(1)</script><img src=x onerror=alert(2)>\"' onmouseover=x &amp;";

  static Map<String, JsonObject> hostileViews() {
    String e = new com.google.gson.JsonPrimitive(EVIL).toString();
    Map<String, JsonObject> v = new HashMap<>();
    v.put("status", json("{\"id\":" + e + ",\"listen\":" + e + ",\"observed\":[" + e + "],\"uptimeSeconds\":5,"
        + "\"nat\":{\"public\":false,\"mapping\":" + e + ",\"filtering\":" + e + ",\"public_endpoints\":[{\"address\":"
        + e + ",\"confidence\":" + e + "}],\"rendezvous\":[],\"serving\":{\"registrations\":" + e + "}}}"));
    v.put("whoami", json("{\"persona\":" + e + ",\"devices\":[" + e + "],\"seq\":0}"));
    v.put("contacts", json("{\"contacts\":[{\"petname\":" + e + ",\"state\":\"blocked\",\"blockReason\":" + e
        + ",\"persona\":" + e + ",\"nodes\":[],\"pinned\":" + e + ",\"firstSeen\":" + e + "},{\"petname\":" + e
        + ",\"state\":" + e + ",\"persona\":\"p\",\"nodes\":[]}]}"));
    v.put("services", json("{\"services\":[{\"service\":" + e + ",\"target\":" + e + ",\"allow\":[],\"public\":true}]}"));
    v.put("paths", json("{\"paths\":[{\"node\":" + e + ",\"path\":" + e + ",\"address\":" + e + ",\"time_to_path_ms\":" + e + "}]}"));
    v.put("dht", json("{\"k\":20,\"contacts\":3,\"health\":" + e + ",\"healthy\":" + e + ",\"buckets\":[{\"bucket\":1,\"contacts\":3}]}"));
    v.put("drops", json("{\"total\":1,\"nat\":{" + e + ":1}}"));
    v.put("whispers", json("{\"inbox\":[{\"from\":" + e + ",\"sentAt\":" + e + ",\"text\":" + e + "}],"
        + "\"outbox\":[{\"to\":" + e + ",\"state\":\"queued\",\"attempts\":1,\"text\":" + e + "}]}"));
    v.put("channels", json("{\"channels\":[{\"id\":" + e + ",\"name\":" + e + ",\"epoch\":" + e + ",\"member\":" + e
        + ",\"members\":[" + e + "],\"posts\":" + e + "}]}"));
    return v;
  }

  static JsonObject json(String s) {
    return JsonParser.parseString(s).getAsJsonObject();
  }

  @Test
  void hostileTextFromEveryViewIsEscapedAndNoMarkupGetsIn() {
    String page = StatusPage.render(hostileViews(), "tok\"en");
    assertFalse(page.toLowerCase().contains("<script"), page);
    assertFalse(page.contains("<img"), page);
    // No tag carries an event handler: outside the quoted attribute values (which hold no quote),
    // the hostile attributes are nowhere.
    Matcher tags = Pattern.compile("<[^>]*>").matcher(page);
    while (tags.find()) {
      String outsideValues = tags.group().replaceAll("\"[^\"]*\"", "\"\"");
      assertFalse(outsideValues.matches("(?s).*\\son[a-z]+=.*"), "an attribute got into a tag: " + tags.group());
    }
    assertTrue(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), page);
    // Only tags written by the page itself: every tag name is one of ours.
    Matcher m = Pattern.compile("<([a-zA-Z!/][a-zA-Z0-9]*)").matcher(page);
    java.util.Set<String> ours = java.util.Set.of("!DOCTYPE", "html", "/html", "head", "/head", "meta", "title",
        "/title", "link", "body", "/body", "h1", "/h1", "h2", "/h2", "code", "/code", "section", "/section", "p", "/p",
        "ul", "/ul", "li", "/li", "b", "/b", "table", "/table", "tr", "/tr", "th", "/th", "td", "/td", "form", "/form",
        "input", "button", "/button", "svg", "/svg", "rect", "/rect", "text", "/text", "footer", "/footer");
    while (m.find()) {
      assertTrue(ours.contains(m.group(1)), "unexpected tag <" + m.group(1) + " in the page");
    }
    // Each quoted attribute value holds no quote: the CSRF token's quote is escaped.
    assertTrue(page.contains("value=\"tok&quot;en\""), page);
  }

  @Test
  void everyStageOfTheDropsIsListedChannelsToo() {
    Map<String, JsonObject> v = hostileViews();
    v.put("drops", json("{\"total\":3,\"whispers\":{\"not_contact\":1},\"channels\":{\"post_cut\":2}}"));
    String page = StatusPage.render(v, "t");
    assertTrue(page.contains("<tr><td>whispers</td><td>not_contact</td><td>1</td></tr>"), page);
    assertTrue(page.contains("<tr><td>channels</td><td>post_cut</td><td>2</td></tr>"), page);
  }

  @Test
  void aFailedViewSaysSoAndTheRestStillRenders() {
    Map<String, JsonObject> v = hostileViews();
    v.put("dht", json("{\"error\":\"the node is <b>busy</b>\"}"));
    String page = StatusPage.render(v, "t");
    assertTrue(page.contains("dht unavailable: the node is &lt;b&gt;busy&lt;/b&gt;"), page);
    assertTrue(page.contains("id=\"contacts\""), page);
  }

  @Test
  void channelsAreListedWithMembersPostsAndEpochAndARemovalIsShown() {
    Map<String, JsonObject> v = hostileViews();
    v.put("channels", json("{\"channels\":[{\"id\":\"c1\",\"name\":\"news\",\"epoch\":2,\"member\":true,"
        + "\"members\":[\"a\",\"b\",\"c\"],\"posts\":17},{\"id\":\"c2\",\"name\":\"old\",\"epoch\":5,"
        + "\"member\":false,\"members\":[\"a\"],\"posts\":0}]}"));
    String page = StatusPage.render(v, "t");
    assertTrue(page.contains("<section id=\"channels\"><h2>Channels</h2><p>2 channel(s).</p>"), page);
    assertTrue(page.contains("<tr><td>news</td><td>3</td><td>17</td><td>2</td></tr>"), page);
    assertTrue(page.contains("<tr><td>old (removed)</td><td>1</td><td>0</td><td>5</td></tr>"), page);
    v.put("channels", json("{\"error\":\"channels need secure streams, which are off on this node\"}"));
    assertTrue(StatusPage.render(v, "t").contains("channels unavailable: channels need secure streams"), page);
  }

  @Test
  void escapedTextNeverHoldsAMarkupCharacterAndReadsBackTheSame() {
    qt().forAll(strings().allPossible().ofLengthBetween(0, 64)).checkAssert(s -> {
      String x = Html.escape(s);
      assertFalse(x.contains("<") || x.contains(">") || x.contains("\"") || x.contains("'"), x);
      assertEquals(unescape(x), clean(s));
    });
  }

  // What a browser reads from the escaped text.
  private static String unescape(String x) {
    return x.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&");
  }

  private static String clean(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        b.append(c).append(s.charAt(++i));
      } else {
        b.append(Character.isSurrogate(c) || (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f ? '\uFFFD' : c);
      }
    }
    return b.toString();
  }
}
