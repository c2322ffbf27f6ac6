package dev.wormholes.node.people;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.wormholes.people.Contact;
import java.time.Instant;
import java.util.Locale;

/** A contact as the control API shows it ({@code contacts --json}, request and contact actions). */
final class ContactJson {
  private ContactJson() {}

  /** Return {@code c}'s petname, persona, node ids, state, verified flag, pinned head and origin. */
  static JsonObject of(Contact c) {
    JsonObject o = new JsonObject();
    o.addProperty("petname", c.petname());
    o.addProperty("persona", c.persona().toString());
    JsonArray nodes = new JsonArray();
    c.log().state().devices().keySet().forEach(d -> nodes.add(d.toString()));
    o.add("nodes", nodes);
    o.addProperty("state", c.state().name().toLowerCase(Locale.ROOT).replace('_', '-'));
    o.addProperty("verified", c.verified());
    o.addProperty("pinned", c.pinned().text());
    o.addProperty("firstSeen", Instant.ofEpochSecond(c.firstSeen()).toString());
    o.addProperty("introducedBy", c.introducedBy());
    c.blockReason().ifPresent(r -> o.addProperty("blockReason", r));
    return o;
  }
}
