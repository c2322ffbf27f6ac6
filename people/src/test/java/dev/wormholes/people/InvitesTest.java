package dev.wormholes.people;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.people.wire.InviteAccept;
import dev.wormholes.people.wire.InviteAnswer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Link invites on a fake clock (Unix seconds handed in). */
class InvitesTest {
  private static final long NOW = 1_800_000_000L;
  private final Random random = new Random(40);
  private final TestPersona alice = new TestPersona(41);
  private final TestPersona bob = new TestPersona(42);
  private final Invites invites = new Invites();

  private byte[] secret() {
    byte[] s = new byte[32];
    random.nextBytes(s);
    return s;
  }

  private Invite invite(long expires) {
    return invites.create(secret(), alice.state().persona(), alice.devices.get(0).id(),
        List.of("127.0.0.1:7001"), "bob", expires);
  }

  @Test
  void theHandshakeEndsWithBothSidesKnowingEachOther() {
    Invite made = invite(NOW + 3600);
    Invite link = Invite.parse(made.link()).orElseThrow();
    assertEquals(made, link);
    InviteAccept accept = InviteHandshake.accept(link, bob.log, "bob");
    Invites.Outcome.Redeemed r = (Invites.Outcome.Redeemed) invites.redeem(accept, alice.state().persona(), NOW + 10);
    assertEquals(bob.state(), r.acceptor().state());
    assertEquals("bob", r.invite().petname());
    InviteAnswer answer = Invites.answer(r, alice.log, "alice");
    InviteHandshake.Result.Accepted a = (InviteHandshake.Result.Accepted) InviteHandshake.check(link, bob.log, answer);
    assertEquals(alice.state(), a.inviter().state());
    assertEquals("alice", a.petnameHint());
    assertEquals(0, invites.pendingCount());
  }

  @Test
  void replayedAndExpiredInvitesAreRefusedAndCounted() {
    Invite link = invite(NOW + 60);
    InviteAccept accept = InviteHandshake.accept(link, bob.log, "bob");
    assertTrue(invites.redeem(accept, alice.state().persona(), NOW) instanceof Invites.Outcome.Redeemed);
    assertEquals(new Invites.Outcome.Refused(Invites.Refusal.REPLAYED),
        invites.redeem(accept, alice.state().persona(), NOW + 1));
    Invite late = invite(NOW + 60);
    assertEquals(new Invites.Outcome.Refused(Invites.Refusal.EXPIRED),
        invites.redeem(InviteHandshake.accept(late, bob.log, ""), alice.state().persona(), NOW + 61));
    assertEquals(new Invites.Outcome.Refused(Invites.Refusal.REPLAYED),
        invites.redeem(InviteHandshake.accept(late, bob.log, ""), alice.state().persona(), NOW));
    assertEquals(2, invites.refused(Invites.Refusal.REPLAYED));
    assertEquals(1, invites.refused(Invites.Refusal.EXPIRED));
  }

  @Test
  void aWrongProofBurnsTheInviteAndUnknownTagsAreCounted() {
    Invite link = invite(NOW + 60);
    InviteAccept forged = InviteHandshake.accept(link, bob.log, "").toBuilder()
        .setProof(ByteString.copyFrom(new byte[32])).build();
    assertEquals(new Invites.Outcome.Refused(Invites.Refusal.BAD_PROOF),
        invites.redeem(forged, alice.state().persona(), NOW));
    assertEquals(new Invites.Outcome.Refused(Invites.Refusal.REPLAYED),
        invites.redeem(InviteHandshake.accept(link, bob.log, ""), alice.state().persona(), NOW));
    InviteAccept unknown = InviteHandshake.accept(new Invite(secret(), alice.state().persona(),
        alice.devices.get(0).id(), List.of(), NOW + 60), bob.log, "");
    assertEquals(new Invites.Outcome.Refused(Invites.Refusal.UNKNOWN),
        invites.redeem(unknown, alice.state().persona(), NOW));
    InviteAccept badLog = InviteHandshake.accept(invite(NOW + 60), bob.log, "").toBuilder()
        .setLog(dev.wormholes.people.wire.KeyLogWire.getDefaultInstance()).build();
    assertEquals(new Invites.Outcome.Refused(Invites.Refusal.BAD_LOG),
        invites.redeem(badLog, alice.state().persona(), NOW));
  }

  @Test
  void theAcceptorChecksTheInvitersAnswer() {
    Invite link = invite(NOW + 60);
    InviteAccept accept = InviteHandshake.accept(link, bob.log, "");
    Invites.Outcome.Redeemed r = (Invites.Outcome.Redeemed) invites.redeem(accept, alice.state().persona(), NOW);
    TestPersona mallory = new TestPersona(43);
    assertTrue(InviteHandshake.check(link, bob.log, Invites.answer(r, mallory.log, ""))
        instanceof InviteHandshake.Result.Failed f && f.reason().contains("another persona"));
    InviteAnswer wrongProof = Invites.answer(r, alice.log, "").toBuilder()
        .setProof(ByteString.copyFrom(new byte[32])).build();
    assertTrue(InviteHandshake.check(link, bob.log, wrongProof) instanceof InviteHandshake.Result.Failed f
        && f.reason().contains("secret"));
    assertTrue(InviteHandshake.check(link, bob.log, Invites.refusal(Invites.Refusal.EXPIRED))
        instanceof InviteHandshake.Result.Failed f && f.reason().contains("expired"));
  }

  @Test
  void badLinksAreNotInvites() {
    Invite link = invite(NOW + 60);
    assertTrue(Invite.parse(link.link().toUpperCase(java.util.Locale.ROOT)).isPresent());
    assertTrue(Invite.parse("wormhole://invite/").isEmpty());
    assertTrue(Invite.parse("wormhole://invite/!!").isEmpty());
    assertTrue(Invite.parse("https://example.org/").isEmpty());
    assertTrue(Invite.parse(link.link().substring(0, link.link().length() - 8)).isEmpty());
    Invite weak = new Invite(new byte[8], alice.state().persona(), alice.devices.get(0).id(), List.of(), 0);
    assertTrue(Invite.parse(weak.link()).isEmpty());
  }
}
