package dev.wormholes.people;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.Identity;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LogHolderTest {
  @Test
  void keepsTheHighestValidSeq() {
    TestPersona p = new TestPersona(20);
    KeyLog first = p.log;
    LogHolder holder = new LogHolder(first.state().persona());
    assertEquals(LogHolder.Outcome.ADOPTED, holder.offer(first.encode()).outcome());
    p.addDevice();
    p.rotate();
    assertEquals(LogHolder.Outcome.EXTENDED, holder.offer(p.log.encode()).outcome());
    assertEquals(LogHolder.Outcome.OLDER, holder.offer(first.encode()).outcome());
    assertEquals(LogHolder.Outcome.UNCHANGED, holder.offer(p.log).outcome());
    assertEquals(2, holder.log().orElseThrow().state().seq());
    assertFalse(holder.duplicitous());
  }

  @Test
  void aConflictingEventAtAHeldSeqIsEvidenceNeverAnUpdate() {
    TestPersona p = new TestPersona(21);
    KeyState base = p.state();
    LogHolder holder = new LogHolder(p.log);
    p.addDevice();
    KeyLog honest = p.log;
    assertEquals(LogHolder.Outcome.EXTENDED, holder.offer(honest).outcome());
    // The persona's key signs a second, different event at seq 1, and then more on top of it.
    Identity other = Identity.generate(p.random);
    KeyLog fork = KeyLog.verify(java.util.List.of(honest.event(0))).orThrow()
        .append(Events.deviceAdd(base, p.signer, Events.device(other, p.signer.publicKey()))).orThrow();
    fork = fork.append(Events.deviceRemove(fork.state(), p.signer, p.devices.get(0).id())).orThrow();
    assertEquals(LogHolder.Outcome.DUPLICITY, holder.offer(fork.encode()).outcome());
    assertEquals(honest.state(), holder.log().orElseThrow().state());
    assertTrue(holder.duplicitous());
    assertEquals(1, holder.evidence().get(0).seq());
    for (int i = 0; i < 10; i++) {
      holder.offer(fork);
    }
    assertEquals(LogHolder.MAX_EVIDENCE, holder.evidence().size());
  }

  @Test
  void invalidAndForeignLogsChangeNothing() {
    TestPersona p = new TestPersona(22);
    LogHolder holder = new LogHolder(p.log);
    assertEquals(new LogHolder.Offer(LogHolder.Outcome.INVALID, Optional.of(LogFailure.MALFORMED)),
        holder.offer(new byte[] {1, 2, 3}));
    assertEquals(LogHolder.Outcome.WRONG_PERSONA, holder.offer(new TestPersona(23).log).outcome());
    assertEquals(0, holder.log().orElseThrow().state().seq());
  }
}
