package dev.wormholes.networks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.networks.wire.InviteLink;
import dev.wormholes.proto.Identity;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NetworkInvitesTest {
  private static final long T0 = 10_000; // Unix ms
  private static final InetSocketAddress BOB_AT = new InetSocketAddress("127.0.0.2", 4000);
  private static final InetSocketAddress VICTIM = new InetSocketAddress("127.0.0.66", 53);
  private final Random random = new Random(11);
  private final Identity alice = Identity.generate(random);
  private final Identity bob = Identity.generate(random);
  private final Identity eve = Identity.generate(random);
  private final Roster roster = Roster.create(alice, "friends", random).roster();
  private final AddressCookies cookies = NetworkInvites.cookies(secret());

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

  private static byte[] cookie(NetworkInvites.Outcome o) {
    return assertInstanceOf(NetworkInvites.Outcome.Challenge.class, o, () -> o.toString()).cookie();
  }

  /** Ask {@code invites} as {@code who} from {@code from}: the request, and if challenged, the request with the cookie. */
  private NetworkInvites.Outcome ask(NetworkInvites invites, long tag, Identity who, InviteLink link,
      InetSocketAddress from, long now) {
    NetworkInvites.Outcome first = invites.redeem(tag, NetworkInvites.request(who, link), from, now, cookies);
    return first instanceof NetworkInvites.Outcome.Challenge c
        ? invites.redeem(tag, NetworkInvites.request(who, link, c.cookie()), from, now, cookies) : first;
  }

  @Test
  void anInviteAdmitsOneMemberWhoMayAskAgain() {
    NetworkInvites invites = new NetworkInvites();
    byte[] s = secret();
    NetworkInvites.Pending p = invites.create(roster.id(), s, false, 1_000);
    InviteLink link = NetworkInvites.parseLink(NetworkInvites.text(link(s))).orElseThrow();
    NetworkInvites.Outcome.Admit a = assertInstanceOf(NetworkInvites.Outcome.Admit.class,
        ask(invites, p.key().id(), bob, link, BOB_AT, T0));
    assertEquals(bob.id(), a.member().id());
    NetworkInvites.Outcome.Admit again = assertInstanceOf(NetworkInvites.Outcome.Admit.class,
        ask(invites, p.key().id(), bob, link, BOB_AT, T0 + 1));
    assertEquals(true, again.again());
    assertEquals(JoinRefusal.REPLAYED, refusal(ask(invites, p.key().id(), eve, link, BOB_AT, T0 + 2)));
    assertEquals(1L, invites.refused().get(JoinRefusal.REPLAYED));
    for (int i = 1; i < NetworkInvites.MAX_AGAIN; i++) {
      assertInstanceOf(NetworkInvites.Outcome.Admit.class, ask(invites, p.key().id(), bob, link, BOB_AT, T0 + 2));
    }
    assertEquals(JoinRefusal.REPLAYED, refusal(ask(invites, p.key().id(), bob, link, BOB_AT, T0 + 3)));
    assertEquals(NetworkInvites.MAX_AGAIN + 1L, invites.challenges());
  }

  @Test
  void aJoinFromAnUnprovenAddressGetsNoMoreBytesThanItSentAndUsesNothing() {
    NetworkInvites invites = new NetworkInvites();
    byte[] s = secret();
    NetworkInvites.Pending p = invites.create(roster.id(), s, false, 1_000);
    InviteLink link = link(s);
    long wall = 1_780_000_000_000L;
    Keyring<String> bobKeys = new Keyring<>(random, wall - 1_000, bob.id());
    Keyring<String> aliceKeys = new Keyring<>(random, wall - 1_000, alice.id());
    bobKeys.install("invite", 0, p.key(), wall - 1_000);
    aliceKeys.install("invite", 0, p.key(), wall - 1_000);
    // A holder of the link seals a join request with the victim's address as its source.
    byte[] in = bobKeys.seal("invite", alice.id(), Payloads.of(Payloads.JOIN, NetworkInvites.request(bob, link)), wall);
    Keyring.Opened.Ok<?> opened = assertInstanceOf(Keyring.Opened.Ok.class, aliceKeys.open(in, wall + 5));
    byte[] request = Arrays.copyOfRange(opened.plaintext(), 1, opened.plaintext().length);
    NetworkInvites.Outcome o = invites.redeem(p.key().id(), request, VICTIM, T0, cookies);
    byte[] out = aliceKeys.sealWith(opened.keyId(), bob.id(), Payloads.of(Payloads.JOIN_COOKIE, cookie(o)), wall + 5);
    int chain = Roster.MAX_BYTES + Keyring.OVERHEAD + 1; // what was sent before: the roster, up to this
    int small = roster.encode().length + Keyring.OVERHEAD + 1;
    System.out.printf("join toward an unproven address: %d bytes in; before: roster %d to %d bytes out (%.2fx to"
        + " %.0fx); now: challenge %d bytes out (%.2fx)%n", in.length, small, chain, (double) small / in.length,
        (double) chain / in.length, out.length, (double) out.length / in.length);
    assertTrue(out.length <= in.length, out.length + " bytes out for " + in.length + " in");
    assertEquals(List.of(p.key().id()), invites.pending().stream().map(x -> x.key().id()).toList(), "still pending");

    // The cookie proves only the address it was sent to: echoed from another source, or at
    // another inviter (another secret), it earns a new challenge.
    byte[] bobsCookie = cookie(invites.redeem(p.key().id(), request, BOB_AT, T0, cookies));
    byte[] echoed = NetworkInvites.request(bob, link, bobsCookie);
    cookie(invites.redeem(p.key().id(), echoed, VICTIM, T0, cookies));
    NetworkInvites other = new NetworkInvites();
    other.create(roster.id(), s, false, 1_000);
    cookie(other.redeem(p.key().id(), echoed, BOB_AT, T0, NetworkInvites.cookies(secret())));
    // ... and only for the member key it was made for.
    cookie(invites.redeem(p.key().id(), NetworkInvites.request(eve, link, bobsCookie), BOB_AT, T0, cookies));
    // From bob's own address, this period or the next, it admits him.
    assertEquals(bob.id(), assertInstanceOf(NetworkInvites.Outcome.Admit.class,
        invites.redeem(p.key().id(), echoed, BOB_AT, T0 + AddressCookies.PERIOD_MS, cookies)).member().id());
  }

  @Test
  void expiredUnknownAndForgedRequestsAreRefused() {
    NetworkInvites invites = new NetworkInvites();
    byte[] s = secret();
    NetworkInvites.Pending p = invites.create(roster.id(), s, false, 1_000);
    assertEquals(JoinRefusal.UNKNOWN, refusal(ask(invites, 42, bob, link(s), BOB_AT, T0)));
    byte[] forged = NetworkInvites.request(bob, link(s), cookie(invites.redeem(p.key().id(),
        NetworkInvites.request(bob, link(s)), BOB_AT, T0, cookies)));
    forged[forged.length - 16 - 3] ^= 1; // the signature's last byte (the cookie and its tag follow)
    assertEquals(JoinRefusal.BAD_REQUEST, refusal(invites.redeem(p.key().id(), forged, BOB_AT, T0, cookies)));
    assertEquals(JoinRefusal.BAD_REQUEST, refusal(invites.redeem(p.key().id(), new byte[] {7, 7}, BOB_AT, T0, cookies)));
    assertEquals(JoinRefusal.EXPIRED, refusal(ask(invites, p.key().id(), bob, link(s), BOB_AT, 1_001_000)));
    assertEquals(true, NetworkInvites.parseLink("wormholes-net:zzzz!").isEmpty());
  }

  @Test
  void pendingAndUsedInvitesSurviveARestart() {
    NetworkInvites invites = new NetworkInvites();
    byte[] s1 = secret();
    byte[] s2 = secret();
    NetworkInvites.Pending used = invites.create(roster.id(), s1, false, 1_000);
    NetworkInvites.Pending open = invites.create(roster.id(), s2, true, 2_000);
    assertInstanceOf(NetworkInvites.Outcome.Admit.class, ask(invites, used.key().id(), bob, link(s1), BOB_AT, T0));

    NetworkInvites restarted = NetworkInvites.decode(invites.encode()).orElseThrow();
    assertEquals(List.of(open.key().id(), used.key().id()),
        restarted.keys(10).stream().map(p -> p.key().id()).toList());
    assertEquals(List.of(open.key().id()), restarted.keys(1_500).stream().map(p -> p.key().id()).toList());
    assertEquals(JoinRefusal.REPLAYED, refusal(ask(restarted, used.key().id(), eve, link(s1), BOB_AT, T0)));
    assertEquals(true, assertInstanceOf(NetworkInvites.Outcome.Admit.class,
        ask(restarted, used.key().id(), bob, link(s1), BOB_AT, T0)).again());
    NetworkInvites.Outcome.Admit admitted = assertInstanceOf(NetworkInvites.Outcome.Admit.class,
        ask(restarted, open.key().id(), eve, link(s2), BOB_AT, T0));
    assertEquals(true, admitted.invite().admin());
    assertEquals(2_000, admitted.invite().expires());

    byte[] bytes = invites.encode();
    for (int cut = 0; cut < bytes.length; cut++) {
      assertEquals(true, NetworkInvites.decode(Arrays.copyOf(bytes, cut)).isEmpty(), "cut at " + cut);
    }
    assertEquals(true, NetworkInvites.decode(Arrays.copyOf(bytes, bytes.length + 1)).isEmpty());
    byte[] flag = bytes.clone();
    flag[3 + NetworkId.BYTES] = 7; // the first invite's admin flag
    assertEquals(true, NetworkInvites.decode(flag).isEmpty());
  }

  @Test
  void theAnswersAgainAreCountedAcrossRestarts() {
    NetworkInvites invites = new NetworkInvites();
    byte[] s = secret();
    long tag = invites.create(roster.id(), s, false, 1_000).key().id();
    assertInstanceOf(NetworkInvites.Outcome.Admit.class, ask(invites, tag, bob, link(s), BOB_AT, T0));
    byte[] beforeAgain = invites.encode();
    for (int i = 0; i < NetworkInvites.MAX_AGAIN; i++) {
      invites = NetworkInvites.decode(invites.encode()).orElseThrow(); // a restart before each
      assertTrue(assertInstanceOf(NetworkInvites.Outcome.Admit.class, ask(invites, tag, bob, link(s), BOB_AT, T0)).again());
    }
    assertEquals(JoinRefusal.REPLAYED,
        refusal(ask(NetworkInvites.decode(invites.encode()).orElseThrow(), tag, bob, link(s), BOB_AT, T0)));
    // The encoding from before the count was kept reads as none answered again.
    byte[] v1 = Arrays.copyOf(beforeAgain, beforeAgain.length - 1);
    v1[0] = 1;
    assertInstanceOf(NetworkInvites.Outcome.Admit.class,
        ask(NetworkInvites.decode(v1).orElseThrow(), tag, bob, link(s), BOB_AT, T0));
  }
}
