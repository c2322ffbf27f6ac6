package dev.wormholes.people;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.strings;

import dev.wormholes.proto.NodeId;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** The wormhole://SERVICE@PERSON[/PATH] form: parsing, refusals in words, and the entry-point helpers. */
class PersonUrlTest {
  private static final String PERSONA = NodeId.of(new byte[32]).toString();

  @Test
  void serviceNamesAreDnsLabels() {
    assertTrue(PersonUrl.isServiceName("ssh"));
    assertTrue(PersonUrl.isServiceName("my-web-2"));
    assertTrue(PersonUrl.isServiceName("a".repeat(63)));
    for (String bad : new String[] {"", "-a", "a-", "A", "a.b", "a_b", "a@b", "a".repeat(64), null}) {
      assertFalse(PersonUrl.isServiceName(bad), String.valueOf(bad));
    }
  }

  @Test
  void servicesOfPeopleParse() {
    assertEquals(new PersonUrl("web", "alice", ""), parsed("wormhole://web@alice"));
    assertEquals(new PersonUrl("ssh", "alice", "/some/path?x=1"), parsed(" WORMHOLE://SSH@Alice/some/path?x=1 "));
    assertEquals(new PersonUrl("web", "alice", "?q"), parsed("wormhole://web@alice?q"));
    assertEquals(new PersonUrl("web", "alice", "#top"), parsed("wormhole://web@alice#top"));
    assertEquals(new PersonUrl("web", PERSONA, "/"), parsed("wormhole://web@" + PERSONA.toUpperCase() + "/"));
  }

  @Test
  void notUrlsAreLeftToTheirEntryPoint() {
    for (String t : new String[] {"web@alice", "alice", PERSONA, "", "   ", "a b c"}) {
      assertInstanceOf(PersonUrl.NotUrl.class, PersonUrl.parse(t), t);
    }
    assertInstanceOf(PersonUrl.NotUrl.class, PersonUrl.parse(null));
  }

  @Test
  void malformedUrlsAreRefusedInWords() {
    assertRefused("http://web@alice", "the scheme is 'http'");
    assertRefused("friend://web@alice", "the scheme is 'friend'");
    assertRefused("://web@alice", "the scheme is ''");
    assertRefused("wormhole:web@alice", "write wormhole://SERVICE@PERSON");
    assertRefused("wormhole://alice", "names no service");
    assertRefused("wormhole://@alice", "names no service before '@'");
    assertRefused("wormhole://web@", "names no person after '@'");
    assertRefused("wormhole://web@/path", "names no person after '@'");
    assertRefused("wormhole://", "names no service");
    assertRefused("wormhole://a@b@c", "more than one '@'");
    assertRefused("wormhole://we_b@alice", "'we_b' is not a service name");
    assertRefused("wormhole://web@al.ice", "'al.ice' is not a petname");
    assertRefused("wormhole://web@" + "a".repeat(33), "is not a petname");
    assertRefused("wormhole://invite/abc@def", "is an invite link, not a person URL: give it to wormholes accept");
    assertRefused("wormhole://device/xyz", "is a device link");
    assertRefused("wormhole://web@" + "x".repeat(10_000), "...");
  }

  @Test
  void entryPointHelpersPassOtherFormsAndThrowTheCallersError() {
    assertEquals("alice", PersonUrl.person("wormhole://web@alice/x", IllegalStateException::new));
    assertEquals("alice", PersonUrl.person("alice", IllegalStateException::new));
    assertEquals("web@alice", PersonUrl.serviceAtPerson("wormhole://web@alice/x", IllegalStateException::new));
    assertEquals("ssh@bob", PersonUrl.serviceAtPerson("ssh@bob", IllegalStateException::new));
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> PersonUrl.person("wormhole://web@", IllegalStateException::new));
    assertTrue(e.getMessage().contains("names no person"), e.getMessage());
  }

  @Test
  void aPersonMayBeAPlainServiceAtPerson() {
    assertEquals("alice", PersonUrl.person(" SSH@Alice ", IllegalStateException::new));
    assertEquals(PERSONA, PersonUrl.person("web@" + PERSONA.toUpperCase(), IllegalStateException::new));
    for (String[] bad : new String[][] {{"web@", "names no person after '@'"}, {"@alice", "names no service before"},
        {"a@b@c", "more than one '@'"}, {"we_b@alice", "'we_b' is not a service name"},
        {"web@alice/x", "'alice/x' is not a petname"}}) {
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> PersonUrl.person(bad[0], IllegalStateException::new), bad[0]);
      assertTrue(e.getMessage().contains(bad[1]) && !e.getMessage().contains("wormhole://"), e.getMessage());
    }
  }

  @Test
  void anyTextParsesWithoutThrowing() {
    qt().withExamples(500).forAll(strings().allPossible().ofLengthBetween(0, 60))
        .checkAssert(t -> PersonUrl.parse("wormhole://" + t));
    qt().withExamples(500).forAll(strings().allPossible().ofLengthBetween(0, 60))
        .checkAssert(PersonUrl::parse);
  }

  @Test
  void formatThenParseGivesTheUrlBack() {
    qt().withExamples(300).forAll(label(63), label(32), path())
        .checkAssert((s, p, path) -> {
          PersonUrl u = new PersonUrl(s, p, path);
          assertEquals(u, parsed(u.format()));
        });
  }

  private static Gen<String> label(int max) {
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-";
    return integers().between(1, max).zip(integers().between(0, Integer.MAX_VALUE), (n, seed) -> {
      StringBuilder b = new StringBuilder();
      java.util.Random r = new java.util.Random(seed);
      for (int i = 0; i < n; i++) {
        boolean edge = i == 0 || i == n - 1;
        b.append(alphabet.charAt(r.nextInt(edge ? alphabet.length() - 1 : alphabet.length())));
      }
      return b.toString();
    });
  }

  private static Gen<String> path() {
    return integers().between(0, 3).zip(strings().basicLatinAlphabet().ofLengthBetween(0, 20),
        (k, rest) -> k == 0 ? "" : "/?#".charAt(k - 1) + rest.strip());
  }

  private static PersonUrl parsed(String text) {
    PersonUrl.Parse p = PersonUrl.parse(text);
    return assertInstanceOf(PersonUrl.Parsed.class, p, text + " -> " + p).url();
  }

  private static void assertRefused(String text, String reasonPart) {
    PersonUrl.Parse p = PersonUrl.parse(text);
    String reason = assertInstanceOf(PersonUrl.Malformed.class, p, text + " -> " + p).reason();
    assertTrue(reason.contains(reasonPart), text + " -> " + reason);
    assertTrue(reason.length() < 300, reason);
  }
}
