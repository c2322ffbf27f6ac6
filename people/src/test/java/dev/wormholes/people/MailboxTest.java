package dev.wormholes.people;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.NodeId;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The mailbox a node holds for friends: who may deposit and fetch, the limits, expiry; fake clock. */
class MailboxTest {
  private static final long T0 = 1_800_000_000_000L;
  private final Mailbox box = new Mailbox();
  private final PersonaId alice = persona(1);
  private final NodeId bob = node(2);

  private static NodeId node(int n) {
    byte[] b = new byte[32];
    b[0] = (byte) n;
    b[1] = (byte) (n >> 8);
    return NodeId.of(b);
  }

  private static PersonaId persona(int n) {
    return new PersonaId(node(1000 + n));
  }

  private static byte[] blob(int n) {
    return ByteBuffer.allocate(100).putInt(n).array();
  }

  private Mailbox.Verdict deposit(PersonaId owner, NodeId sender, int n, long at) {
    return box.deposit(owner, sender, true, true, blob(n), at);
  }

  @Test
  void aContactsDepositForAnOwnerWhoNamedTheHolderIsFetchedByTheOwnerOnlyAndAnAckDeletesIt() {
    assertEquals(Mailbox.Verdict.STORED, deposit(alice, bob, 1, T0));
    assertTrue(box.fetch(alice, false, T0).isEmpty(), "a device not of alice's persona");
    assertEquals(-1, box.ack(alice, false, List.of(Mailbox.idOf(alice, blob(1)))));
    assertEquals(2L, box.refused().get("not_owner"));
    List<Mailbox.Item> got = box.fetch(alice, true, T0 + 1).orElseThrow();
    assertEquals(1, got.size());
    assertEquals(bob, got.get(0).sender());
    assertEquals(1, box.ack(alice, true, List.of(got.get(0).id())));
    assertEquals(List.of(), box.fetch(alice, true, T0 + 2).orElseThrow());
    assertEquals(List.of(got.get(0).id()), box.pollRemoved().stream().map(Mailbox.Item::id).toList());
    assertEquals(0, box.held());
  }

  @Test
  void strangersAndOwnersWhoDidNotNameTheHolderAreRefusedAndCounted() {
    assertEquals(Mailbox.Verdict.NOT_CONTACT, box.deposit(alice, bob, false, true, blob(1), T0));
    assertEquals(Mailbox.Verdict.NOT_NAMED, box.deposit(alice, bob, true, false, blob(1), T0));
    assertEquals(Mailbox.Verdict.TOO_LARGE, box.deposit(alice, bob, true, true, new byte[Mailbox.MAX_BLOB + 1], T0));
    assertEquals(Mailbox.Verdict.TOO_LARGE, box.deposit(alice, bob, true, true, new byte[0], T0));
    assertEquals(0, box.held());
    assertEquals(1L, box.refused().get("not_contact"));
    assertEquals(1L, box.refused().get("not_named"));
    assertEquals(2L, box.refused().get("too_large"));
  }

  @Test
  void aDuplicateDepositCollapsesUncharged() {
    for (int i = 0; i < Mailbox.PER_SENDER; i++) {
      assertEquals(Mailbox.Verdict.STORED, deposit(alice, bob, i, T0));
    }
    assertEquals(Mailbox.Verdict.HELD, deposit(alice, bob, 0, T0), "the same blob again is not charged");
    assertEquals(Mailbox.Verdict.SENDER_FULL, deposit(alice, bob, 99, T0));
    assertEquals(Mailbox.PER_SENDER, box.held());
    assertEquals(1L, box.refused().get("sender_full"));
  }

  @Test
  void theQuotasPerSenderPerOwnerAndOwnersHold() {
    int n = 0;
    for (int s = 0; s < Mailbox.PER_OWNER / Mailbox.PER_SENDER; s++) {
      for (int i = 0; i < Mailbox.PER_SENDER; i++) {
        assertEquals(Mailbox.Verdict.STORED, deposit(alice, node(10 + s), n++, T0));
      }
    }
    assertEquals(Mailbox.Verdict.OWNER_FULL, deposit(alice, node(99), n++, T0));
    for (int o = 1; o < Mailbox.MAX_OWNERS; o++) {
      assertEquals(Mailbox.Verdict.STORED, deposit(persona(10 + o), bob, n++, T0));
    }
    assertEquals(Mailbox.Verdict.OWNERS_FULL, deposit(persona(500), bob, n++, T0));
    assertEquals(Mailbox.PER_OWNER + Mailbox.MAX_OWNERS - 1, box.held());
    // One owner's fetch hands out a batch at a time.
    assertEquals(Mailbox.FETCH_BATCH, box.fetch(alice, true, T0).orElseThrow().size());
    // An owner whose box emptied makes room for another.
    PersonaId first = persona(11);
    box.ack(first, true, box.fetch(first, true, T0).orElseThrow().stream().map(Mailbox.Item::id).toList());
    assertEquals(Mailbox.Verdict.STORED, deposit(persona(500), bob, n, T0));
  }

  @Test
  void blobsExpireAfterTheTtlAndLeaveThroughPollRemoved() {
    deposit(alice, bob, 1, T0);
    deposit(alice, bob, 2, T0 + 1000);
    box.expire(T0 + Mailbox.TTL_MS - 1);
    assertEquals(2, box.held());
    assertEquals(1, box.fetch(alice, true, T0 + Mailbox.TTL_MS).orElseThrow().size());
    assertEquals(List.of(Mailbox.idOf(alice, blob(1))), box.pollRemoved().stream().map(Mailbox.Item::id).toList());
    box.expire(T0 + 1000 + Mailbox.TTL_MS);
    assertEquals(0, box.held());
    assertFalse(box.restore(new Mailbox.Item(Mailbox.idOf(alice, blob(3)), alice, bob, blob(3), T0),
        T0 + Mailbox.TTL_MS), "an expired blob is not held again after a restart");
    assertTrue(box.restore(new Mailbox.Item(Mailbox.idOf(alice, blob(3)), alice, bob, blob(3), T0), T0 + 5));
    assertFalse(box.restore(new Mailbox.Item("00", alice, bob, blob(4), T0), T0 + 5), "an id that does not match");
    assertEquals(Mailbox.Verdict.HELD, deposit(alice, bob, 3, T0 + 6));
  }

  @Test
  void aWhisperGoesToTheMailboxesItWasNotDepositedWithAfterThreeFailures() {
    List<PersonaId> named = List.of(persona(1), persona(2), persona(3), persona(4));
    assertEquals(List.of(), Mailbox.depositTo(named, Set.of(), null, Mailbox.DEPOSIT_AFTER_FAILURES - 1));
    assertEquals(List.of(persona(1), persona(3)),
        Mailbox.depositTo(named, Set.of(persona(2)), null, Mailbox.DEPOSIT_AFTER_FAILURES), "at most three, not twice");
    assertEquals(List.of(persona(2)), Mailbox.depositTo(named, Set.of(persona(1)), persona(3), 9), "not with oneself");
  }

  @Test
  void theOwnerVisitsAtStartPeriodicallySoonerAfterAMissAndAtOnceWhenTheNamesChange() {
    Mailbox.Visits v = new Mailbox.Visits();
    assertTrue(v.begin(T0));
    assertFalse(v.begin(T0), "one visit at a time");
    v.done(T0, true);
    assertFalse(v.begin(T0 + Mailbox.Visits.EVERY_MS - 1));
    assertTrue(v.begin(T0 + Mailbox.Visits.EVERY_MS));
    v.done(T0 + Mailbox.Visits.EVERY_MS, false);
    assertTrue(v.begin(T0 + Mailbox.Visits.EVERY_MS + Mailbox.Visits.RETRY_MS));
    v.done(T0 + Mailbox.Visits.EVERY_MS + Mailbox.Visits.RETRY_MS, true);
    v.namesChanged();
    assertTrue(v.begin(T0 + Mailbox.Visits.EVERY_MS + Mailbox.Visits.RETRY_MS + 1));
  }
}
