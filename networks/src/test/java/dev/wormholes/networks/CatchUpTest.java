package dev.wormholes.networks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.Identity;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CatchUpTest {
  private static final long T0 = 1_780_000_000_000L;
  private final Random random = new Random(17);
  private final Identity alice = Identity.generate(random);
  private final Identity bob = Identity.generate(random);
  private final Identity carol = Identity.generate(random);
  private final Identity mallory = Identity.generate(random);

  private static Roster valid(RosterResult r) {
    return assertInstanceOf(RosterResult.Valid.class, r, () -> r.toString()).roster();
  }

  private Roster removedCarol() {
    Roster.Founded f = Roster.create(alice, "friends", random);
    Roster r = valid(f.roster().append(f.roster().addMember(alice, Member.of(bob), f.epochKey(), random)));
    r = valid(r.append(r.addMember(alice, Member.of(carol), f.epochKey(), random)));
    return valid(r.append(r.removeMember(alice, carol.id(), random).change()));
  }

  private static CatchUp.Refusal refusal(CatchUp.Decision d) {
    return assertInstanceOf(CatchUp.Decision.Refused.class, d, () -> d.toString()).refusal();
  }

  @Test
  void aMemberWhoWasAwayGetsTheRosterAndARemovedOneItsNotice() {
    Roster r = removedCarol();
    assertEquals(Optional.of(alice.id()), r.removedBy(carol.id()));
    assertEquals(Optional.empty(), r.removedBy(bob.id()));
    CatchUp c = new CatchUp();
    assertEquals(new CatchUp.Decision.Answer(bob.id(), true), c.answer(r, CatchUp.request(bob, r.id(), T0), T0 + 10));
    assertEquals(CatchUp.Refusal.TOO_SOON, refusal(c.answer(r, CatchUp.request(bob, r.id(), T0 + 20), T0 + 20)));
    assertEquals(new CatchUp.Decision.Answer(bob.id(), true),
        c.answer(r, CatchUp.request(bob, r.id(), T0 + CatchUp.ANSWER_EVERY_MS), T0 + CatchUp.ANSWER_EVERY_MS + 10));
    assertEquals(new CatchUp.Decision.Answer(carol.id(), false), c.answer(r, CatchUp.request(carol, r.id(), T0), T0));
    assertEquals(2L + 1, c.answers());
  }

  @Test
  void forgedStaleForeignAndOutsidersRequestsAreRefusedAndCounted() {
    Roster r = removedCarol();
    Roster other = Roster.create(mallory, "other", random).roster();
    CatchUp c = new CatchUp();
    assertEquals(CatchUp.Refusal.NEVER_A_MEMBER, refusal(c.answer(r, CatchUp.request(mallory, r.id(), T0), T0)));
    assertEquals(CatchUp.Refusal.WRONG_NETWORK, refusal(c.answer(r, CatchUp.request(bob, other.id(), T0), T0)));
    assertEquals(CatchUp.Refusal.STALE_TIME, refusal(c.answer(r, CatchUp.request(bob, r.id(), T0),
        T0 + Keyring.MAX_SKEW_S * 1000 + 1)));
    assertEquals(CatchUp.Refusal.MALFORMED, refusal(c.answer(r, new byte[3], T0)));
    byte[] forged = CatchUp.request(bob, r.id(), T0);
    forged[NetworkId.BYTES + 32 + 7] ^= 1; // the time, after signing
    assertEquals(CatchUp.Refusal.BAD_SIGNATURE, refusal(c.answer(r, forged, T0)));
    assertEquals(5, c.refused().values().stream().mapToLong(Long::longValue).sum());
  }

  @Test
  void answersAreBoundedPerMinute() {
    Roster.Founded f = Roster.create(alice, "big", random);
    Roster r = f.roster();
    Identity[] members = new Identity[CatchUp.MAX_ANSWERS_PER_MINUTE + 1];
    for (int i = 0; i < members.length; i++) {
      members[i] = Identity.generate(random);
      r = valid(r.append(r.addMember(alice, Member.of(members[i]), f.epochKey(), random)));
    }
    CatchUp c = new CatchUp();
    for (int i = 0; i < CatchUp.MAX_ANSWERS_PER_MINUTE; i++) {
      assertInstanceOf(CatchUp.Decision.Answer.class, c.answer(r, CatchUp.request(members[i], r.id(), T0), T0 + i));
    }
    Identity last = members[CatchUp.MAX_ANSWERS_PER_MINUTE];
    assertEquals(CatchUp.Refusal.BUSY, refusal(c.answer(r, CatchUp.request(last, r.id(), T0), T0 + 100)));
    assertInstanceOf(CatchUp.Decision.Answer.class, c.answer(r, CatchUp.request(last, r.id(), T0), T0 + 60_000));
  }

  @Test
  void aNodeAsksWhileItsNetworkHasNoContactBackingOff() {
    CatchUp c = new CatchUp();
    assertFalse(c.askDue(0, 0));
    assertFalse(c.askDue(0, CatchUp.ASK_FIRST_MS - 1));
    assertTrue(c.askDue(0, CatchUp.ASK_FIRST_MS));
    assertFalse(c.askDue(0, 2 * CatchUp.ASK_FIRST_MS - 1));
    assertTrue(c.askDue(0, 2 * CatchUp.ASK_FIRST_MS));
    assertFalse(c.askDue(0, 4 * CatchUp.ASK_FIRST_MS - 1), "backed off to twice the first wait");
    assertTrue(c.askDue(0, 4 * CatchUp.ASK_FIRST_MS));
    assertFalse(c.askDue(3, 5 * CatchUp.ASK_FIRST_MS));
    assertFalse(c.askDue(0, 5 * CatchUp.ASK_FIRST_MS));
    assertTrue(c.askDue(0, 6 * CatchUp.ASK_FIRST_MS), "a contact reset the backoff");
  }
}
