package dev.wormholes.people;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Contact requests: kept as pending-in, limited per source and in all, refused and counted; fake clock. */
class ContactRequestsTest {
  private final TestPersona me = new TestPersona(10);
  private final ContactBook book = new ContactBook();
  private final ContactRequests requests = new ContactRequests();
  private long now = 1_800_000_000L;
  private int next = 100;

  private ContactRequests.Outcome ask(String source, TestPersona who) {
    return requests.offer(book, me.state().persona(), source, who.log.encode(), "pal", "hi\u0007 there", now);
  }

  @Test
  void aRequestIsKeptPendingWithItsMessageAndGetsNoAccess() {
    TestPersona bob = new TestPersona(11);
    Contact c = ((ContactRequests.Outcome.Kept) ask("192.0.2.1", bob)).contact();
    assertEquals(ContactState.PENDING_IN, c.state());
    assertEquals("pal", c.petname());
    assertEquals("request: hi  there", c.introducedBy());
    assertTrue(book.acceptedOwnerOf(bob.devices.get(0).id()).isEmpty());
    assertEquals(ContactRequests.Refusal.SELF, ((ContactRequests.Outcome.Refused) ask("192.0.2.2", me)).refusal());
    assertEquals(ContactRequests.Refusal.BAD_LOG, ((ContactRequests.Outcome.Refused) requests.offer(book,
        me.state().persona(), "192.0.2.3", new byte[] {1, 2, 3}, "", "", now)).refusal());
  }

  @Test
  void aFloodFromOneSourceIsRefusedAndCountedWhileOthersGetThrough() {
    for (int i = 0; i < ContactRequests.PER_SOURCE_BURST; i++) {
      assertInstanceOf(ContactRequests.Outcome.Kept.class, ask("198.51.100.7", new TestPersona(next++)));
    }
    TestPersona flooder = new TestPersona(next++);
    for (int i = 0; i < 50; i++) { // refused before the log is even verified
      assertEquals(ContactRequests.Refusal.RATE_LIMITED,
          ((ContactRequests.Outcome.Refused) ask("198.51.100.7", flooder)).refusal());
    }
    assertEquals(50L, requests.refusals().get(ContactRequests.Refusal.RATE_LIMITED));
    assertInstanceOf(ContactRequests.Outcome.Kept.class, ask("203.0.113.9", new TestPersona(next++)));
    now += ContactRequests.PER_SOURCE_SECONDS;
    assertInstanceOf(ContactRequests.Outcome.Kept.class, ask("198.51.100.7", new TestPersona(next++)));
    assertEquals(ContactRequests.PER_SOURCE_BURST + 2, book.all().size());
  }

  @Test
  void manySourcesHitTheOverallLimitAndThePendingCap() {
    int kept = 0;
    for (int i = 0; i < 60; i++) {
      now += 1;
      if (ask("10.0." + (i / 250) + "." + (i % 250), new TestPersona(next++)) instanceof ContactRequests.Outcome.Kept) {
        kept++;
      }
    }
    assertTrue(kept < 60 && kept >= ContactRequests.ALL_BURST, "kept " + kept);
    for (int i = 0; i < 2000 && book.all().size() < ContactRequests.MAX_PENDING_IN; i++) {
      now += ContactRequests.ALL_SECONDS;
      ask("10.1." + (i / 250) + "." + (i % 250), new TestPersona(next++));
    }
    assertEquals(ContactRequests.MAX_PENDING_IN, book.all().size());
    now += 3600;
    assertEquals(ContactRequests.Refusal.TOO_MANY_PENDING,
        ((ContactRequests.Outcome.Refused) ask("10.9.9.9", new TestPersona(next++))).refusal());
  }

  @Test
  void blockedRequestersAreRefusedAndMutualRequestsAccept() {
    TestPersona bob = new TestPersona(12);
    book.add(new Contact("bob", bob.log, false, ContactState.BLOCKED, now, "invite", Optional.of("no")));
    assertEquals(ContactRequests.Refusal.BLOCKED, ((ContactRequests.Outcome.Refused) ask("192.0.2.1", bob)).refusal());
    TestPersona carol = new TestPersona(13);
    book.add(new Contact("carol", carol.log, false, ContactState.PENDING_OUT, now, "your request", Optional.empty()));
    Contact c = ((ContactRequests.Outcome.Kept) ask("192.0.2.2", carol)).contact();
    assertEquals(ContactState.ACCEPTED, c.state());
  }
}
