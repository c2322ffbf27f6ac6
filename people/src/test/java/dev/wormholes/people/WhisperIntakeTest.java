package dev.wormholes.people;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.NodeId;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Who may whisper: the stream's peer must be the signer, this node the recipient, a contact the sender; 30 a minute; fake clock. */
class WhisperIntakeTest {
  private final NodeId me = id(1);
  private final NodeId friend = id(2);
  private final NodeId stranger = id(3);
  private final WhisperIntake intake = new WhisperIntake(me);
  private long now = 1_800_000_000_000L;

  private static NodeId id(int b) {
    byte[] x = new byte[32];
    x[0] = (byte) b;
    x[31] = (byte) (b >> 8);
    return NodeId.of(x);
  }

  private WhisperIntake.Verdict from(NodeId peer, boolean contact) {
    return intake.judge(peer, peer, me, contact, false, now);
  }

  @Test
  void onlyAContactsOwnWhisperToThisNodeIsTaken() {
    assertEquals(WhisperIntake.Verdict.TAKE, from(friend, true));
    assertEquals(WhisperIntake.Verdict.NOT_CONTACT, from(stranger, false));
    assertEquals(WhisperIntake.Verdict.KEY_NOT_PEER, intake.judge(stranger, friend, me, true, false, now),
        "a friend's signed whisper replayed by somebody else");
    assertEquals(WhisperIntake.Verdict.WRONG_RECIPIENT, intake.judge(friend, friend, stranger, true, false, now));
    assertEquals(WhisperIntake.Verdict.HELD, intake.judge(friend, friend, me, true, true, now));
    assertEquals(WhisperIntake.Verdict.NOT_CONTACT, intake.judge(stranger, stranger, me, false, true, now),
        "holding the id helps no stranger");
    intake.malformed("BAD_SIGNATURE");
    assertEquals(Map.of("not_contact", 2L, "key_not_peer", 1L, "wrong_recipient", 1L, "bad_signature", 1L),
        intake.refused());
    assertTrue(WhisperIntake.Verdict.HELD.stored() && WhisperIntake.Verdict.TAKE.stored()
        && !WhisperIntake.Verdict.RATE_LIMITED.stored());
  }

  @Test
  void aWhisperToThePersonaIsTakenByAnyOfItsDevicesAndNoOtherPersonas() {
    PersonaId persona = new PersonaId(id(9));
    WhisperIntake laptop = new WhisperIntake(id(10));
    assertEquals(WhisperIntake.Verdict.TAKE, intake.judge(friend, friend, persona.value(), persona, true, false, now));
    assertEquals(WhisperIntake.Verdict.TAKE, laptop.judge(friend, friend, persona.value(), persona, true, false, now));
    assertEquals(WhisperIntake.Verdict.TAKE, intake.judge(friend, friend, me, persona, true, false, now),
        "to this node itself");
    assertEquals(WhisperIntake.Verdict.WRONG_RECIPIENT, laptop.judge(friend, friend, me, persona, true, false, now),
        "to another device by its node id");
    assertEquals(WhisperIntake.Verdict.WRONG_RECIPIENT,
        laptop.judge(friend, friend, id(11), persona, true, false, now), "to another persona");
    assertEquals(WhisperIntake.Verdict.WRONG_RECIPIENT, laptop.judge(friend, friend, persona.value(), true, false, now),
        "a node no longer (or not yet) a device of the persona");
    assertEquals(WhisperIntake.Verdict.NOT_CONTACT,
        laptop.judge(stranger, stranger, persona.value(), persona, false, false, now));
  }

  @Test
  void thirtyAMinutePerDeviceAndHeldOnesAreNotCharged() {
    now = now / 60_000 * 60_000;
    for (int i = 0; i < WhisperIntake.PER_SENDER_PER_MINUTE; i++) {
      assertEquals(WhisperIntake.Verdict.TAKE, from(friend, true));
      assertEquals(WhisperIntake.Verdict.HELD, intake.judge(friend, friend, me, true, true, now));
    }
    assertEquals(WhisperIntake.Verdict.RATE_LIMITED, from(friend, true));
    assertEquals(WhisperIntake.Verdict.TAKE, from(id(4), true), "another device has its own count");
    now += 59_999 - now % 60_000;
    assertEquals(WhisperIntake.Verdict.RATE_LIMITED, from(friend, true));
    now += 1;
    assertEquals(WhisperIntake.Verdict.TAKE, from(friend, true), "a new minute");
    assertEquals(2L, intake.refused().get("rate_limited"));
  }

  @Test
  void rateCountsAreBoundedAndOnlyCurrentOnesFillTheTable() {
    now = now / 60_000 * 60_000;
    for (int i = 0; i < WhisperIntake.RATE_SLOTS; i++) {
      assertEquals(WhisperIntake.Verdict.TAKE, from(id(100 + i), true));
    }
    assertEquals(WhisperIntake.Verdict.RATE_LIMITED, from(id(5000), true), "every slot is this minute's");
    assertEquals(WhisperIntake.Verdict.TAKE, from(id(100), true), "a tracked device still counts");
    now += 60_000;
    assertEquals(WhisperIntake.Verdict.TAKE, from(id(5000), true), "last minute's counts are dropped");
  }
}
