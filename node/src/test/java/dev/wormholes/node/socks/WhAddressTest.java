package dev.wormholes.node.socks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

/** Parsing {@code SERVICE.NODE_ID.wh}. */
class WhAddressTest {
  private final NodeId id = Identity.generate(new SecureRandom()).id();

  @Test
  void parsesServiceAndNode() {
    WhAddress a = WhAddress.parse("web." + id + ".wh").orElseThrow();
    assertEquals("web", a.service());
    assertEquals(id, a.node());
    assertEquals("web." + id + ".wh", a.toString());
    assertEquals(a, WhAddress.parse(("WEB." + id + ".WH.").toUpperCase()).orElseThrow());
  }

  @Test
  void rejectsEverythingElse() {
    String[] bad = {
        "example.com", "wh", id + ".wh", "a.b." + id + ".wh", "web." + id + ".whx",
        "web.notanid.wh", "web_x." + id + ".wh", "web." + id.toString().substring(1) + ".wh",
        "." + id + ".wh", "", "web." + id + "..wh",
    };
    for (String h : bad) {
      assertTrue(WhAddress.parse(h).isEmpty(), h);
    }
    assertTrue(WhAddress.isWh("web.notanid.wh"));
    assertFalse(WhAddress.isWh("example.com"));
    assertFalse(WhAddress.isWh("web.wharf"));
  }

  @Test
  void parsesNamedFormsForPetnames() {
    assertEquals(new WhAddress.Named("web", "alice"), WhAddress.parseNamed("Web.Alice.wh.").orElseThrow());
    assertTrue(WhAddress.parseNamed("web.al_ice.wh").isEmpty());
    assertTrue(WhAddress.parseNamed("alice.wh").isEmpty());
    assertTrue(WhAddress.parseNamed("web.alice.com").isEmpty());
  }

  @Test
  void onionNamesAreTheSameNamesWithAnOnionLabel() {
    assertTrue(WhAddress.isOnion("Web.Alice.Onion.WH."));
    assertEquals("web.alice.wh", WhAddress.withoutOnion("Web.Alice.Onion.WH."));
    assertFalse(WhAddress.isOnion("web.alice.wh"));
    assertFalse(WhAddress.isOnion("web.onion.alice.wh"));
    assertEquals("web.alice.wh", WhAddress.withoutOnion("web.alice.wh"));
    assertTrue(WhAddress.parseNamed(WhAddress.withoutOnion("web.alice.onion.wh")).isPresent());
  }
}
