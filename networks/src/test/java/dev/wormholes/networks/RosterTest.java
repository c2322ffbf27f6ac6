package dev.wormholes.networks;

import static dev.wormholes.networks.TestRosters.valid;
import static dev.wormholes.networks.TestRosters.withMembers;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.networks.wire.ChangeBody;
import dev.wormholes.networks.wire.SignedChange;
import dev.wormholes.proto.Identity;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RosterTest {
  private final Random random = new Random(7);
  private final Identity alice = Identity.generate(random);
  private final Identity bob = Identity.generate(random);
  private final Identity carol = Identity.generate(random);
  private final Identity mallory = Identity.generate(random);

  private static RosterFailure failure(RosterResult r) {
    return assertInstanceOf(RosterResult.Invalid.class, r, () -> r.toString()).failure();
  }

  @Test
  void aCreatedNetworkGrantsItsFounderTheFirstEpochKey() {
    Roster.Founded f = Roster.create(alice, "friends", random);
    Roster r = f.roster();
    assertEquals("friends", r.name());
    assertEquals(1, r.epoch());
    assertTrue(r.isMember(alice.id()));
    assertEquals(java.util.Set.of(alice.id()), r.admins());
    assertArrayEquals(f.epochKey(), r.epochKey(alice.id(), BoxKeys.privateOf(alice)).orElseThrow().key());
    Roster decoded = valid(Roster.decode(r.encode()));
    assertEquals(r.id(), decoded.id());
    assertTrue(r.id().wireId() < 0, "private wire ids have the top bit set");
  }

  @Test
  void addAdminAndRemoveRollTheEpochAndShutTheRemovedOut() {
    Roster.Founded f = Roster.create(alice, "friends", random);
    Roster r = withMembers(f, alice, random, bob, carol);
    assertArrayEquals(f.epochKey(), r.epochKey(bob.id(), BoxKeys.privateOf(bob)).orElseThrow().key());
    r = valid(r.append(r.addAdmin(alice, bob.id())));
    Roster.Rolled rolled = r.removeMember(bob, carol.id(), random); // bob, now an admin, removes carol
    r = valid(r.append(rolled.change()));
    assertEquals(2, r.epoch());
    assertFalse(r.isMember(carol.id()));
    assertArrayEquals(rolled.epochKey(), r.epochKey(alice.id(), BoxKeys.privateOf(alice)).orElseThrow().key());
    assertArrayEquals(rolled.epochKey(), r.epochKey(bob.id(), BoxKeys.privateOf(bob)).orElseThrow().key());
    assertTrue(r.epochKey(carol.id(), BoxKeys.privateOf(carol)).isEmpty());
    assertEquals(r.head(), valid(Roster.decode(r.encode())).head());
    // A restarted member opens the keys of the epochs before again; the removed gets none.
    java.util.List<Roster.EpochKey> past = r.pastEpochKeys(bob.id(), BoxKeys.privateOf(bob));
    assertEquals(1, past.size());
    assertEquals(1L, past.get(0).epoch());
    assertArrayEquals(f.epochKey(), past.get(0).key());
    assertTrue(r.pastEpochKeys(carol.id(), BoxKeys.privateOf(carol)).isEmpty());
    assertTrue(f.roster().pastEpochKeys(alice.id(), BoxKeys.privateOf(alice)).isEmpty());
  }

  @Test
  void forgedChangesAreRefusedWithTheirReason() {
    Roster.Founded f = Roster.create(alice, "friends", random);
    Roster r = withMembers(f, alice, random, bob);
    // a member who is not an admin signs a change
    assertEquals(RosterFailure.NOT_ADMIN, failure(r.append(r.addMember(bob, Member.of(mallory), f.epochKey(), random))));
    // an outsider makes a change in alice's name (her key as signer, its own signature)
    SignedChange good = r.addMember(alice, Member.of(mallory), f.epochKey(), random);
    SignedChange forged = good.toBuilder()
        .setSignature(ByteString.copyFrom(mallory.sign(Roster.DOMAIN, good.getBody().toByteArray()))).build();
    assertEquals(RosterFailure.BAD_SIGNATURE, failure(r.append(forged)));
    // a change that skips one
    assertEquals(RosterFailure.BROKEN_CHAIN, failure(f.roster().append(r.addAdmin(alice, bob.id()))));
    // a removal that also grants the removed member the new key
    Roster.Rolled rolled = r.removeMember(alice, bob.id(), random);
    SignedChange withAdd = r.addMember(alice, Member.of(carol), f.epochKey(), random);
    assertEquals(RosterFailure.INVALID_CHANGE, failure(r.append(r.removeMember(alice, carol.id(), random).change())));
    assertTrue(r.append(rolled.change()) instanceof RosterResult.Valid);
    assertTrue(r.append(withAdd) instanceof RosterResult.Valid);
    // the last admin cannot go
    assertEquals(RosterFailure.INVALID_CHANGE, failure(r.append(r.removeMember(alice, alice.id(), random).change())));
    // garbage
    assertEquals(RosterFailure.MALFORMED, failure(Roster.decode(new byte[] {1, 2, 3})));
  }

  @Test
  void aRemovalWhoseGrantsIncludeTheRemovedIsRefused() throws Exception {
    Roster.Founded f = Roster.create(alice, "friends", random);
    Roster r = withMembers(f, alice, random, bob);
    SignedChange add = r.addMember(alice, Member.of(carol), f.epochKey(), random);
    r = valid(r.append(add));
    SignedChange removal = r.removeMember(alice, bob.id(), random).change();
    ChangeBody body = ChangeBody.parseFrom(removal.getBody());
    ChangeBody leaky = body.toBuilder().addGrants(ChangeBody.parseFrom(add.getBody()).getGrants(0)
        .toBuilder().setNodeId(ByteString.copyFrom(bob.id().toBytes()))).build();
    byte[] b = leaky.toByteArray();
    SignedChange signed = SignedChange.newBuilder().setBody(ByteString.copyFrom(b))
        .setSignature(ByteString.copyFrom(alice.sign(Roster.DOMAIN, b))).build();
    assertEquals(RosterFailure.BAD_EPOCH, failure(r.append(signed)));
  }

  @Test
  void offeredCopiesAreAdoptedOnlyWhenTheyExtendTheHeldOne() {
    Roster.Founded f = Roster.create(alice, "friends", random);
    Roster one = f.roster();
    Roster two = valid(one.append(one.addMember(alice, Member.of(bob), f.epochKey(), random)));
    Roster fork = valid(one.append(one.addMember(alice, Member.of(carol), f.epochKey(), random)));
    Roster three = valid(two.append(two.addAdmin(alice, bob.id())));
    assertEquals(three.head(), valid(one.adopt(three)).head());
    assertEquals(RosterFailure.STALE, failure(three.adopt(two)));
    assertEquals(RosterFailure.STALE, failure(two.adopt(two)));
    assertEquals(RosterFailure.FORKED, failure(fork.adopt(three)));
    assertEquals(RosterFailure.FORKED, failure(three.adopt(fork)));
    Roster other = Roster.create(alice, "friends", random).roster();
    assertEquals(RosterFailure.WRONG_NETWORK, failure(one.adopt(other)));
  }

  @Test
  void aSingleByteChangeOfAnEncodedRosterIsRefusedOrHarmless() {
    Roster.Founded f = Roster.create(alice, "friends", random);
    Roster r = withMembers(f, alice, random, bob);
    byte[] bytes = r.encode();
    List<Integer> accepted = new ArrayList<>();
    for (int n = 0; n < 60; n++) { // 60 random positions: each try verifies signatures
      int i = random.nextInt(bytes.length);
      byte[] copy = bytes.clone();
      copy[i] ^= 0x01;
      if (Roster.decode(copy) instanceof RosterResult.Valid v && !v.roster().head().equals(r.head())) {
        accepted.add(i);
      }
    }
    assertEquals(List.of(), accepted, "a changed byte made another valid roster");
  }
}
