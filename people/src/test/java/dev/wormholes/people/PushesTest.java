package dev.wormholes.people;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.wormholes.proto.NodeId;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Who may make a node verify a pushed log: known devices always, anybody else within a budget; fake clock. */
class PushesTest {
  private final TestPersona me = new TestPersona(20);
  private final ContactBook book = new ContactBook();
  private final Pushes pushes = new Pushes();
  private long now = 1_800_000_000L;

  private Pushes.Verdict push(TestPersona from, String source) {
    return pushes.admit(book, me.state(), from.devices.get(0).id(), source, now);
  }

  private void add(String name, TestPersona who, ContactState state) {
    book.add(new Contact(name, who.log, false, state, now, "test", Optional.empty()));
  }

  @Test
  void knownDevicesAreNeverChargedAndStrangersOnlyWithinTheirBudget() {
    TestPersona friend = new TestPersona(21);
    TestPersona asked = new TestPersona(22);
    TestPersona requester = new TestPersona(23);
    TestPersona stranger = new TestPersona(24);
    add("friend", friend, ContactState.ACCEPTED);
    add("asked", asked, ContactState.PENDING_OUT);
    add("requester", requester, ContactState.PENDING_IN);
    NodeId second = me.addDevice().id();
    for (int i = 0; i < 50; i++) {
      assertEquals(Pushes.Verdict.KNOWN, push(friend, "192.0.2.1"));
      assertEquals(Pushes.Verdict.KNOWN, push(asked, "192.0.2.1"));
      assertEquals(Pushes.Verdict.KNOWN, pushes.admit(book, me.state(), second, "192.0.2.1", now));
    }
    for (int i = 0; i < Pushes.PER_SOURCE_BURST; i++) {
      assertEquals(Pushes.Verdict.WITHIN_BUDGET, push(stranger, "198.51.100.7"));
    }
    assertEquals(Pushes.Verdict.OVER_BUDGET, push(stranger, "198.51.100.7"));
    assertEquals(Pushes.Verdict.OVER_BUDGET, push(requester, "198.51.100.7")); // a pending-in requester is charged too
    assertEquals(Pushes.Verdict.WITHIN_BUDGET, push(requester, "198.51.100.8"));
    assertEquals(2, pushes.dropped());
    now += Pushes.PER_SOURCE_SECONDS;
    assertEquals(Pushes.Verdict.WITHIN_BUDGET, push(stranger, "198.51.100.7"));
    book.block("friend", "test");
    for (int i = 0; i < Pushes.PER_SOURCE_BURST; i++) {
      push(friend, "192.0.2.1");
    }
    assertEquals(Pushes.Verdict.OVER_BUDGET, push(friend, "192.0.2.1")); // a blocked contact is charged like a stranger
  }

  @Test
  void allStrangersTogetherShareOneBudget() {
    TestPersona stranger = new TestPersona(25);
    for (int i = 0; i < Pushes.ALL_BURST; i++) {
      assertEquals(Pushes.Verdict.WITHIN_BUDGET, push(stranger, "10.0.0." + i));
    }
    assertEquals(Pushes.Verdict.OVER_BUDGET, push(stranger, "10.0.1.1"));
    now += Pushes.ALL_SECONDS;
    assertEquals(Pushes.Verdict.WITHIN_BUDGET, push(stranger, "10.0.1.1"));
  }
}
