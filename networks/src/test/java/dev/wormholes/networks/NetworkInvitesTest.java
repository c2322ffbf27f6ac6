package dev.wormholes.networks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.google.protobuf.ByteString;
import dev.wormholes.networks.wire.InviteLink;
import dev.wormholes.proto.Identity;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NetworkInvitesTest {
  private final Random random = new Random(11);
  private final Identity alice = Identity.generate(random);
  private final Identity bob = Identity.generate(random);
  private final Identity eve = Identity.generate(random);
  private final Roster roster = Roster.create(alice, "friends", random).roster();

  private InviteLink link(byte[] secret) {
    return InviteLink.newBuilder().setNetwork(roster.id().bytes()).setName("friends")
        .setInviter(ByteString.copyFrom(alice.publicKey())).addEndpoints("127.0.0.1:4000")
        .setSecret(ByteString.copyFrom(secret)).setExpires(1_000).build();
  }

  private byte[] secret() {
    byte[] s = new byte[32];
    random.nextBytes(s);
    return s;
  }

  private static JoinRefusal refusal(NetworkInvites.Outcome o) {
    return assertInstanceOf(NetworkInvites.Outcome.Refused.class, o, () -> o.toString()).refusal();
  }

  @Test
  void anInviteAdmitsOneMemberWhoMayAskAgain() {
    NetworkInvites invites = new NetworkInvites();
    byte[] s = secret();
    NetworkInvites.Pending p = invites.create(roster.id(), s, false, 1_000);
    InviteLink link = NetworkInvites.parseLink(NetworkInvites.text(link(s))).orElseThrow();
    NetworkInvites.Outcome.Admit a = assertInstanceOf(NetworkInvites.Outcome.Admit.class,
        invites.redeem(p.key().id(), NetworkInvites.request(bob, link), 10));
    assertEquals(bob.id(), a.member().id());
    NetworkInvites.Outcome.Admit again = assertInstanceOf(NetworkInvites.Outcome.Admit.class,
        invites.redeem(p.key().id(), NetworkInvites.request(bob, link), 11));
    assertEquals(true, again.again());
    assertEquals(JoinRefusal.REPLAYED, refusal(invites.redeem(p.key().id(), NetworkInvites.request(eve, link), 12)));
    assertEquals(1L, invites.refused().get(JoinRefusal.REPLAYED));
    // The answer is the roster: a holder of the used link re-sealing bob's request from a spoofed
    // address makes the inviter send it at most MAX_AGAIN times.
    for (int i = 1; i < NetworkInvites.MAX_AGAIN; i++) {
      assertInstanceOf(NetworkInvites.Outcome.Admit.class,
          invites.redeem(p.key().id(), NetworkInvites.request(bob, link), 12));
    }
    assertEquals(JoinRefusal.REPLAYED, refusal(invites.redeem(p.key().id(), NetworkInvites.request(bob, link), 13)));
  }

  @Test
  void expiredUnknownAndForgedRequestsAreRefused() {
    NetworkInvites invites = new NetworkInvites();
    byte[] s = secret();
    NetworkInvites.Pending p = invites.create(roster.id(), s, false, 1_000);
    assertEquals(JoinRefusal.UNKNOWN, refusal(invites.redeem(42, NetworkInvites.request(bob, link(s)), 10)));
    byte[] forged = NetworkInvites.request(bob, link(s));
    forged[forged.length - 1] ^= 1;
    assertEquals(JoinRefusal.BAD_REQUEST, refusal(invites.redeem(p.key().id(), forged, 10)));
    assertEquals(JoinRefusal.BAD_REQUEST, refusal(invites.redeem(p.key().id(), new byte[] {7, 7}, 10)));
    assertEquals(JoinRefusal.EXPIRED, refusal(invites.redeem(p.key().id(), NetworkInvites.request(bob, link(s)), 1_001)));
    assertEquals(true, NetworkInvites.parseLink("wormholes-net:zzzz!").isEmpty());
  }

  @Test
  void pendingAndUsedInvitesSurviveARestart() {
    NetworkInvites invites = new NetworkInvites();
    byte[] s1 = secret();
    byte[] s2 = secret();
    NetworkInvites.Pending used = invites.create(roster.id(), s1, false, 1_000);
    NetworkInvites.Pending open = invites.create(roster.id(), s2, true, 2_000);
    assertInstanceOf(NetworkInvites.Outcome.Admit.class,
        invites.redeem(used.key().id(), NetworkInvites.request(bob, link(s1)), 10));

    NetworkInvites restarted = NetworkInvites.decode(invites.encode()).orElseThrow();
    assertEquals(java.util.List.of(open.key().id(), used.key().id()),
        restarted.keys(10).stream().map(p -> p.key().id()).toList());
    assertEquals(java.util.List.of(open.key().id()), restarted.keys(1_500).stream().map(p -> p.key().id()).toList());
    assertEquals(JoinRefusal.REPLAYED, refusal(restarted.redeem(used.key().id(), NetworkInvites.request(eve, link(s1)), 11)));
    assertEquals(true, assertInstanceOf(NetworkInvites.Outcome.Admit.class,
        restarted.redeem(used.key().id(), NetworkInvites.request(bob, link(s1)), 11)).again());
    NetworkInvites.Outcome.Admit admitted = assertInstanceOf(NetworkInvites.Outcome.Admit.class,
        restarted.redeem(open.key().id(), NetworkInvites.request(eve, link(s2)), 12));
    assertEquals(true, admitted.invite().admin());
    assertEquals(2_000, admitted.invite().expires());

    byte[] bytes = invites.encode();
    for (int cut = 0; cut < bytes.length; cut++) {
      assertEquals(true, NetworkInvites.decode(java.util.Arrays.copyOf(bytes, cut)).isEmpty(), "cut at " + cut);
    }
    assertEquals(true, NetworkInvites.decode(java.util.Arrays.copyOf(bytes, bytes.length + 1)).isEmpty());
    byte[] flag = bytes.clone();
    flag[3 + NetworkId.BYTES] = 7; // the first invite's admin flag
    assertEquals(true, NetworkInvites.decode(flag).isEmpty());
  }
}
