package dev.wormholes.people;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The wormhole://SERVICE@PERSON form. */
class PersonUrlTest {
  @Test
  void servicesOfPeopleParseAndLinksDoNot() {
    assertEquals(Optional.of("web@alice"), PersonUrl.serviceAtPerson("wormhole://web@alice"));
    assertEquals(Optional.of("ssh@alice"), PersonUrl.serviceAtPerson(" WORMHOLE://ssh@alice/some/path?x=1 "));
    assertEquals(Optional.empty(), PersonUrl.serviceAtPerson("wormhole://invite/abc@def"));
    assertEquals(Optional.empty(), PersonUrl.serviceAtPerson("wormhole://device/xyz"));
    assertEquals(Optional.empty(), PersonUrl.serviceAtPerson("web@alice"));
    assertEquals(Optional.empty(), PersonUrl.serviceAtPerson("wormhole://@alice"));
    assertEquals(Optional.empty(), PersonUrl.serviceAtPerson("wormhole://web@"));
    assertEquals(Optional.empty(), PersonUrl.serviceAtPerson("wormhole://a@b@c"));
  }
}
