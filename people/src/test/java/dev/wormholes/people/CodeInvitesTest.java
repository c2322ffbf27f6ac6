package dev.wormholes.people;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.people.wire.CodeAnswer;
import dev.wormholes.people.wire.CodeRequest;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.security.SecureRandom;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Code invites: the J-PAKE exchange both ways, one guess per code, expiry, the nameplate pointer; fake clock. */
class CodeInvitesTest {
  private final SecureRandom random = new SecureRandom();
  private final CodeInvites codes = new CodeInvites();
  private final PersonaId alice = new TestPersona(40).state().persona();
  private long now = 1_800_000_000L;

  /** The acceptor's side of one exchange with {@code password}; return its pake and the inviter's last answer. */
  private CodeInvites.Answer exchange(String nameplate, String password, CodePake[] acceptor) {
    CodePake mine = new CodePake(false, password, random);
    acceptor[0] = mine;
    CodeInvites.Answer start = codes.answer(CodeRequest.newBuilder().setNameplate(nameplate)
        .setRound1(mine.round1()).build(), alice, random, now);
    if (!start.answer().getOk()) {
      return start;
    }
    assertTrue(mine.takeRound1(start.answer().getRound1()));
    var round2 = mine.round2();
    assertTrue(mine.takeRound2(start.answer().getRound2()));
    return codes.answer(CodeRequest.newBuilder().setNameplate(nameplate).setRound2(round2)
        .setMac(mine.mac()).build(), alice, random, now);
  }

  @Test
  void theRightCodeGivesBothSidesTheSameSecretOnce() {
    CodeInvites.Code code = codes.create(random, "bob", now + 600);
    assertEquals(Optional.of(code), CodeInvites.Code.parse(" " + code.text().replace("-", " - ") + "\n"));
    assertTrue(code.text().matches("[0-9]{3}-[0-9]{3}-[0-9]{3}-[0-9]{3}"));
    CodePake[] acceptor = new CodePake[1];
    CodeInvites.Answer done = exchange(code.nameplate(), code.password(), acceptor);
    assertTrue(done.answer().getOk(), done.answer().getRefusal());
    assertTrue(acceptor[0].takeMac(done.answer().getMac()));
    assertArrayEquals(acceptor[0].secret(), done.secret().orElseThrow());
    assertEquals(32, done.secret().get().length);
    assertEquals("bob", done.petname());
    assertEquals(alice, PersonaId.of(done.answer().getPersona().toByteArray()));
    assertEquals("no invite has that code", exchange(code.nameplate(), code.password(), acceptor).answer().getRefusal());
    assertEquals(0, codes.pendingCount());
  }

  @Test
  void aWrongGuessBurnsTheCodeAndEveryRefusalIsCounted() {
    CodeInvites.Code code = codes.create(random, "", now + 600);
    String wrong = code.password().equals("000000") ? "000001" : "000000";
    CodePake[] acceptor = new CodePake[1];
    CodeInvites.Answer guess = exchange(code.nameplate(), wrong, acceptor);
    assertFalse(guess.answer().getOk());
    assertTrue(guess.secret().isEmpty());
    assertTrue(guess.answer().getRefusal().contains("wrong code"));
    assertFalse(exchange(code.nameplate(), code.password(), acceptor).answer().getOk()); // the right one, too late

    CodeInvites.Code second = codes.create(random, "", now + 600);
    CodeRequest start = CodeRequest.newBuilder().setNameplate(second.nameplate())
        .setRound1(new CodePake(false, second.password(), random).round1()).build();
    assertTrue(codes.answer(start, alice, random, now).answer().getOk());
    assertTrue(codes.answer(start, alice, random, now).answer().getRefusal().contains("burnt")); // a second start

    CodeInvites.Code late = codes.create(random, "", now + 600);
    now += 601;
    assertEquals("that code expired", exchange(late.nameplate(), late.password(), acceptor).answer().getRefusal());

    CodeInvites.Code forged = codes.create(random, "", now + 600);
    CodeRequest bad = CodeRequest.newBuilder().setNameplate(forged.nameplate()).setRound1(
        new CodePake(false, forged.password(), random).round1().toBuilder().setGx1(ByteString.copyFrom(new byte[300]))).build();
    assertFalse(codes.answer(bad, alice, random, now).answer().getOk());
    assertEquals(0, codes.pendingCount());
    assertEquals(1L, codes.refusals().get(CodeInvites.Refusal.WRONG_CODE));
    assertEquals(1L, codes.refusals().get(CodeInvites.Refusal.IN_USE));
    assertEquals(1L, codes.refusals().get(CodeInvites.Refusal.EXPIRED));
    assertEquals(1L, codes.refusals().get(CodeInvites.Refusal.MALFORMED));
    assertEquals(1L, codes.refusals().get(CodeInvites.Refusal.UNKNOWN));
    assertTrue(CodeInvites.Code.parse("12-34").isEmpty());
    assertTrue(CodeInvites.Code.parse("123-456-789-01x").isEmpty());
  }

  @Test
  void theNameplatePointerNamesTheInvitersNode() {
    NodeId node = Identity.generate(random).id();
    var item = CodeInvites.pointer("123456", node, now, 0);
    assertEquals(Optional.of(CodeInvites.pointerKey("123456")), dev.wormholes.proto.DhtValues.keyOf(item));
    assertEquals(Optional.of(node), CodeInvites.pointed(item, "123456"));
    assertTrue(CodeInvites.pointed(item, "654321").isEmpty());
  }
}
