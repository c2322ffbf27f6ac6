package dev.wormholes.networks;

import static dev.wormholes.networks.TestRosters.valid;
import static dev.wormholes.networks.TestRosters.withMembers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.Identity;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CatchUpTest {
  private static final long T0 = 1_780_000_000_000L;
  private static final InetSocketAddress BOB_AT = new InetSocketAddress("127.0.0.2", 4000);
  private static final InetSocketAddress VICTIM = new InetSocketAddress("127.0.0.66", 53);
  private final Random random = new Random(17);
  private final Identity alice = Identity.generate(random);
  private final Identity bob = Identity.generate(random);
  private final Identity carol = Identity.generate(random);
  private final Identity mallory = Identity.generate(random);

  private CatchUp answering() {
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    return new CatchUp(secret);
  }

  private Roster removedCarol() {
    Roster.Founded f = Roster.create(alice, "friends", random);
    Roster r = withMembers(f, alice, random, bob, carol);
    return valid(r.append(r.removeMember(alice, carol.id(), random).change()));
  }

  private static CatchUp.Refusal refusal(CatchUp.Decision d) {
    return assertInstanceOf(CatchUp.Decision.Refused.class, d, () -> d.toString()).refusal();
  }

  private static byte[] cookie(CatchUp.Decision d) {
    return assertInstanceOf(CatchUp.Decision.Challenge.class, d, () -> d.toString()).cookie();
  }

  /** Ask {@code c} as {@code who} from {@code from} at {@code now}: the challenge, then the request with its cookie. */
  private static CatchUp.Decision roundTrip(CatchUp c, Roster r, Identity who, InetSocketAddress from, long now) {
    byte[] cookie = cookie(c.answer(r, CatchUp.request(who, r.id(), now), from, now));
    return c.answer(r, CatchUp.request(who, r.id(), cookie, now), from, now);
  }

  @Test
  void aMemberWhoWasAwayGetsTheRosterAndARemovedOneItsNotice() {
    Roster r = removedCarol();
    assertEquals(Optional.of(alice.id()), r.removedBy(carol.id()));
    assertEquals(Optional.empty(), r.removedBy(bob.id()));
    CatchUp c = answering();
    assertEquals(new CatchUp.Decision.Answer(bob.id(), true), roundTrip(c, r, bob, BOB_AT, T0 + 10));
    assertEquals(CatchUp.Refusal.TOO_SOON, refusal(roundTrip(c, r, bob, BOB_AT, T0 + 20)));
    assertEquals(new CatchUp.Decision.Answer(bob.id(), true),
        roundTrip(c, r, bob, BOB_AT, T0 + CatchUp.ANSWER_EVERY_MS + 10));
    assertEquals(new CatchUp.Decision.Answer(carol.id(), false), roundTrip(c, r, carol, VICTIM, T0));
    assertEquals(2L + 1, c.answers());
    assertEquals(4L, c.challenges());
  }

  @Test
  void aRequestFromAnUnprovenAddressGetsNoMoreBytesThanItSent() {
    Roster r = removedCarol();
    Keyring<String> bobKeys = new Keyring<>(random, T0 - 1_000, bob.id());
    Keyring<String> aliceKeys = new Keyring<>(random, T0 - 1_000, alice.id());
    byte[] epoch = r.epochKey(bob.id(), BoxKeys.privateOf(bob)).orElseThrow().key();
    bobKeys.install("friends", r.epoch(), SealKey.of(epoch, SealKey.Use.EPOCH), T0 - 1_000);
    aliceKeys.install("friends", r.epoch(), SealKey.of(epoch, SealKey.Use.EPOCH), T0 - 1_000);
    CatchUp c = answering();
    // Bob's first request went to one member, sealed for anyone; a capture is replayed to alice
    // with the victim's address as its source.
    byte[] plain = Payloads.of(Payloads.CATCHUP, CatchUp.request(bob, r.id(), T0));
    byte[] in = bobKeys.seal("friends", null, plain, T0);
    Keyring.Opened.Ok<?> opened = assertInstanceOf(Keyring.Opened.Ok.class, aliceKeys.open(in, T0 + 5));
    byte[] request = java.util.Arrays.copyOfRange(opened.plaintext(), 1, opened.plaintext().length);
    CatchUp.Decision d = c.answer(r, request, VICTIM, T0 + 5);
    byte[] out = aliceKeys.sealWith(opened.keyId(), bob.id(), Payloads.of(Payloads.CATCHUP_COOKIE, cookie(d)), T0 + 5);
    int roster = r.encode().length + Keyring.OVERHEAD + 1; // what was sent before: the roster, at least this
    System.out.printf("catch-up toward an unproven address: %d bytes in; before: roster %d bytes out (%.2fx);"
        + " now: challenge %d bytes out (%.2fx)%n", in.length, roster, (double) roster / in.length, out.length,
        (double) out.length / in.length);
    assertTrue(out.length <= in.length, out.length + " bytes out for " + in.length + " in");
    assertEquals(0, c.answers());

    // A cookie proves only the address it was sent to: echoed from another source, it earns a new challenge.
    byte[] bobsCookie = cookie(c.answer(r, request, BOB_AT, T0 + 5));
    byte[] echoed = CatchUp.request(bob, r.id(), bobsCookie, T0 + 6);
    cookie(c.answer(r, echoed, VICTIM, T0 + 6));
    // ... and only at the member that made it.
    cookie(answering().answer(r, echoed, BOB_AT, T0 + 6));
    // From bob's own address it earns the roster.
    assertEquals(new CatchUp.Decision.Answer(bob.id(), true), c.answer(r, echoed, BOB_AT, T0 + 6));
  }

  @Test
  void aCookieIsTakenForOneToTwoPeriods() {
    Roster r = removedCarol();
    CatchUp c = answering();
    long made = T0 - Math.floorMod(T0, CatchUp.COOKIE_MS); // the start of a period
    byte[] cookie = cookie(c.answer(r, CatchUp.request(bob, r.id(), made), BOB_AT, made));
    long late = made + 2 * CatchUp.COOKIE_MS;
    cookie(c.answer(r, CatchUp.request(bob, r.id(), cookie, late), BOB_AT, late));
    long inTime = late - 1;
    assertInstanceOf(CatchUp.Decision.Answer.class,
        c.answer(r, CatchUp.request(bob, r.id(), cookie, inTime), BOB_AT, inTime));
  }

  @Test
  void theBudgetsAreCheckedBeforeTheSignatureAndChargedAfterIt() {
    Roster r = removedCarol();
    CatchUp c = answering();
    byte[] cookie = cookie(c.answer(r, CatchUp.request(bob, r.id(), T0), BOB_AT, T0));
    byte[] forged = CatchUp.request(bob, r.id(), cookie, T0);
    forged[NetworkId.BYTES + 32 + 7] ^= 1; // the time, after signing
    assertEquals(CatchUp.Refusal.BAD_SIGNATURE, refusal(c.answer(r, forged, BOB_AT, T0)));
    assertEquals(new CatchUp.Decision.Answer(bob.id(), true),
        c.answer(r, CatchUp.request(bob, r.id(), cookie, T0), BOB_AT, T0), "a forgery spent none of bob's budget");
    assertEquals(CatchUp.Refusal.TOO_SOON, refusal(c.answer(r, forged, BOB_AT, T0 + 1)), "over budget: not verified");
  }

  @Test
  void forgedStaleForeignAndOutsidersRequestsAreRefusedAndCounted() {
    Roster r = removedCarol();
    Roster other = Roster.create(mallory, "other", random).roster();
    CatchUp c = answering();
    assertEquals(CatchUp.Refusal.NEVER_A_MEMBER, refusal(c.answer(r, CatchUp.request(mallory, r.id(), T0), BOB_AT, T0)));
    assertEquals(CatchUp.Refusal.WRONG_NETWORK, refusal(c.answer(r, CatchUp.request(bob, other.id(), T0), BOB_AT, T0)));
    assertEquals(CatchUp.Refusal.STALE_TIME, refusal(c.answer(r, CatchUp.request(bob, r.id(), T0), BOB_AT,
        T0 + Keyring.MAX_SKEW_S * 1000 + 1)));
    assertEquals(CatchUp.Refusal.MALFORMED, refusal(c.answer(r, new byte[3], BOB_AT, T0)));
    assertEquals(CatchUp.Refusal.MALFORMED, refusal(c.answer(r, CatchUp.request(bob, r.id(), T0),
        InetSocketAddress.createUnresolved("example.org", 1), T0)));
    assertEquals(5, c.refused().values().stream().mapToLong(Long::longValue).sum());
  }

  @Test
  void answersAreBoundedPerMinute() {
    Roster.Founded f = Roster.create(alice, "big", random);
    Identity[] members = new Identity[CatchUp.MAX_ANSWERS_PER_MINUTE + 1];
    for (int i = 0; i < members.length; i++) {
      members[i] = Identity.generate(random);
    }
    Roster r = withMembers(f, alice, random, members);
    CatchUp c = answering();
    for (int i = 0; i < CatchUp.MAX_ANSWERS_PER_MINUTE; i++) {
      assertInstanceOf(CatchUp.Decision.Answer.class, roundTrip(c, r, members[i], BOB_AT, T0 + i));
    }
    Identity last = members[CatchUp.MAX_ANSWERS_PER_MINUTE];
    assertEquals(CatchUp.Refusal.BUSY, refusal(roundTrip(c, r, last, BOB_AT, T0 + 100)));
    assertInstanceOf(CatchUp.Decision.Answer.class, roundTrip(c, r, last, BOB_AT, T0 + 60_000));
  }

  @Test
  void aNodeAsksWhileItsNetworkHasNoContactBackingOff() {
    CatchUp c = answering();
    assertFalse(c.askDue(0, 2, 0));
    assertFalse(c.askDue(0, 2, CatchUp.ASK_FIRST_MS - 1));
    assertTrue(c.askDue(0, 2, CatchUp.ASK_FIRST_MS));
    assertFalse(c.askDue(0, 2, 2 * CatchUp.ASK_FIRST_MS - 1));
    assertTrue(c.askDue(0, 2, 2 * CatchUp.ASK_FIRST_MS));
    assertFalse(c.askDue(0, 2, 4 * CatchUp.ASK_FIRST_MS - 1), "backed off to twice the first wait");
    assertTrue(c.askDue(0, 2, 4 * CatchUp.ASK_FIRST_MS));
    assertEquals(3, c.rounds());
    assertEquals(4 * CatchUp.ASK_FIRST_MS, c.unansweredMs(4 * CatchUp.ASK_FIRST_MS), "asking since the first quiet call");
    assertFalse(c.askDue(3, 3, 5 * CatchUp.ASK_FIRST_MS));
    assertEquals(0, c.rounds());
    assertEquals(0, c.unansweredMs(5 * CatchUp.ASK_FIRST_MS), "a contact: not asking");
    assertFalse(c.askDue(0, 2, 5 * CatchUp.ASK_FIRST_MS));
    assertEquals(0, c.unansweredMs(5 * CatchUp.ASK_FIRST_MS), "no round asked yet");
    assertTrue(c.askDue(0, 2, 6 * CatchUp.ASK_FIRST_MS), "a contact reset the backoff");
  }

  @Test
  void aNodeAsksWhileItsContactsAreFewerThanHalfOfItsRostersOtherMembers() {
    CatchUp c = answering();
    assertFalse(c.askDue(6, 11, 0));
    assertFalse(c.askDue(6, 11, CatchUp.ASK_FIRST_MS), "more than half are contacts: in step with them");
    assertFalse(c.askDue(2, 11, 10 * CatchUp.ASK_FIRST_MS));
    assertTrue(c.askDue(2, 11, 11 * CatchUp.ASK_FIRST_MS), "two contacts of eleven: most members moved on or are away");
    assertFalse(c.askDue(1, 3, 12 * CatchUp.ASK_FIRST_MS - 1), "backing off");
    assertEquals(1, c.rounds());
    assertFalse(c.askDue(1, 2, 13 * CatchUp.ASK_FIRST_MS));
    assertEquals(0, c.rounds(), "one of two: half, reset");
  }

  @Test
  void aChallengeIsFollowedOnlyFromAnAddressAskedThisRoundAndOnce() {
    CatchUp c = answering();
    assertTrue(c.askDue(0, 2, 0) || c.askDue(0, 2, CatchUp.ASK_FIRST_MS));
    c.asked(BOB_AT);
    assertFalse(c.followUp(VICTIM), "not asked");
    assertTrue(c.followUp(BOB_AT));
    assertFalse(c.followUp(BOB_AT), "once");
    c.asked(BOB_AT);
    assertTrue(c.askDue(0, 2, 2 * CatchUp.ASK_FIRST_MS));
    assertFalse(c.followUp(BOB_AT), "a new round forgets the last one's addresses");
  }
}
