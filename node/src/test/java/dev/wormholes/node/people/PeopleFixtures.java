package dev.wormholes.node.people;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.people.DeviceInvite;
import dev.wormholes.people.Events;
import dev.wormholes.people.Invite;
import dev.wormholes.people.InviteHandshake;
import dev.wormholes.people.KeyLog;
import dev.wormholes.people.wire.InviteAccept;
import dev.wormholes.people.wire.InviteAnswer;
import dev.wormholes.proto.Identity;

/**
 * What the streams would carry between {@link People} of different nodes, handed over by hand:
 * for tests of this package and of the drivers built on people (no sockets).
 */
public final class PeopleFixtures {
  private PeopleFixtures() {}

  /** Make {@code inviter} and {@code acceptor} accepted contacts by an invite link, each calling the other by the given petname. */
  public static void befriend(People inviter, String acceptorName, People acceptor, String inviterName) {
    Invite invite = Invite.parse(inviter.invite(acceptorName, 3600).get("link").getAsString()).orElseThrow();
    acceptor.finishAccept(invite, acceptor.log(),
        inviter.redeem(InviteHandshake.accept(invite, acceptor.log(), "")), inviterName);
  }

  /** Pair the fresh node {@code fresh} (identity {@code freshNode}) to the persona of {@code persona} by a device link. */
  public static void pair(People persona, People fresh, Identity freshNode) {
    DeviceInvite d = DeviceInvite.parse(persona.deviceInvite(3600).get("link").getAsString()).orElseThrow();
    KeyLog before = fresh.log();
    InviteAccept accept = InviteHandshake.accept(d.invite(), fresh.log(), "").toBuilder()
        .setDevice(Events.device(freshNode, d.signingKey())).build();
    InviteAnswer answer = persona.redeem(freshNode.id(), accept);
    assertTrue(answer.getOk(), answer.getRefusal());
    Devices.finishJoin(fresh, d, before, answer);
  }

  /** Let {@code contact} take the current key log of {@code of} (as a push would bring it). */
  public static void push(People of, People contact) {
    contact.observe(of.log(), "push");
  }
}
