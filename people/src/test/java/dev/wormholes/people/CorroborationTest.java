package dev.wormholes.people;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.people.wire.HeadClaim;
import dev.wormholes.people.wire.SignedHeadClaim;
import dev.wormholes.proto.Identity;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Friends' signed head claims and how they are counted. */
class CorroborationTest {
  private final Random random = new Random(5);
  private final TestPersona alice = new TestPersona(2);
  private final Identity carol = Identity.generate(random);
  private final Identity bob = Identity.generate(random);

  private Contact contact(KeyLog log) {
    return new Contact("alice", log, true, ContactState.ACCEPTED, 1_800_000_000L, "invite", Optional.empty());
  }

  @Test
  void aClaimOpensOnlyForItsAskerPersonaAndSigner() {
    SignedHeadClaim signed = Corroboration.claim(carol, alice.state().persona(), Optional.of(contact(alice.log)), bob.id());
    HeadClaim c = Corroboration.open(signed, carol.id(), alice.state().persona(), bob.id()).orElseThrow();
    assertTrue(c.getKnown() && c.getVerified());
    assertEquals(alice.state().seq(), c.getSeq());
    // Replayed to another asker, presented as another node's, about another persona, or changed.
    assertTrue(Corroboration.open(signed, carol.id(), alice.state().persona(), carol.id()).isEmpty());
    assertTrue(Corroboration.open(signed, bob.id(), alice.state().persona(), bob.id()).isEmpty());
    assertTrue(Corroboration.open(signed, carol.id(), new TestPersona(3).state().persona(), bob.id()).isEmpty());
    SignedHeadClaim changed = signed.toBuilder().setClaim(ByteString.copyFrom(c.toBuilder().setSeq(9).build().toByteArray())).build();
    assertTrue(Corroboration.open(changed, carol.id(), alice.state().persona(), bob.id()).isEmpty());
    SignedHeadClaim garbage = signed.toBuilder().setNodeKey(ByteString.copyFrom(new byte[3])).build();
    assertTrue(Corroboration.open(garbage, carol.id(), alice.state().persona(), bob.id()).isEmpty());
  }

  @Test
  void friendsAreCountedAgainstTheHeldLog() {
    KeyLog before = alice.log;
    alice.addDevice();
    KeyLog now = alice.log;
    KeyLog fork = before.append(Events.deviceAdd(before.state(), alice.signer,
        Events.device(Identity.generate(random), alice.signer.publicKey()))).orThrow();
    List<Corroboration.Answer> answers = List.of(
        judge("same", now, now), judge("behind", now, before), judge("ahead", before, now),
        judge("fork", now, fork),
        Corroboration.judge("stranger", now, open(Corroboration.claim(carol, alice.state().persona(), Optional.empty(), bob.id()))));
    assertEquals(List.of(Corroboration.Verdict.AGREE, Corroboration.Verdict.BEHIND, Corroboration.Verdict.AHEAD,
        Corroboration.Verdict.DISAGREE, Corroboration.Verdict.UNKNOWN), answers.stream().map(Corroboration.Answer::verdict).toList());
    assertEquals("2 of 4 friends agree, 1 disagree", Corroboration.summary(answers));
    assertEquals("0 of 0 friends agree", Corroboration.summary(List.of()));
  }

  private Corroboration.Answer judge(String friend, KeyLog mine, KeyLog theirs) {
    return Corroboration.judge(friend, mine, open(Corroboration.claim(carol, alice.state().persona(),
        Optional.of(contact(theirs)), bob.id())));
  }

  private HeadClaim open(SignedHeadClaim s) {
    return Corroboration.open(s, carol.id(), alice.state().persona(), bob.id()).orElseThrow();
  }
}
