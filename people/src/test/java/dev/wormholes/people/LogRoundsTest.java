package dev.wormholes.people;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The key-log poll schedule on a fake clock: six early rounds, then the poll interval; round-robin contacts; hourly republish. */
class LogRoundsTest {
  private long now = 1_000;
  private final LogRounds rounds = new LogRounds(300, now);

  // Advance to the next wake and return the seconds waited.
  private long step() {
    long waited = rounds.nextWake() - now;
    now = rounds.nextWake();
    return waited;
  }

  @Test
  void sixRoundsFiveSecondsApartThenThePollInterval() {
    assertFalse(rounds.pollRound(now + 4));
    List<Long> gaps = new ArrayList<>();
    long last = now;
    while (rounds.rounds() < 9) {
      step();
      if (rounds.pollRound(now)) {
        gaps.add(now - last);
        last = now;
      }
      rounds.pollRepublish(now);
    }
    assertEquals(List.of(5L, 5L, 5L, 5L, 5L, 5L, 300L, 300L, 300L), gaps);
  }

  @Test
  void aLateWakeCountsFromTheRoundItRan() {
    now += 100;
    assertTrue(rounds.pollRound(now));
    assertFalse(rounds.pollRound(now), "once per due time");
    assertEquals(now + LogRounds.EARLY_SECONDS, rounds.nextWake());
  }

  @Test
  void contactsAreReadRoundRobinAtMostThirtyTwoARound() {
    List<Integer> seventy = IntStream.range(0, 70).boxed().toList();
    assertEquals(IntStream.range(0, 32).boxed().toList(), rounds.pick(seventy));
    assertEquals(IntStream.range(32, 64).boxed().toList(), rounds.pick(seventy));
    List<Integer> third = rounds.pick(seventy);
    assertEquals(List.of(64, 65, 66, 67, 68, 69, 0, 1), third.subList(0, 8));
    assertEquals(List.of(0, 1, 2), rounds.pick(List.of(0, 1, 2)).stream().sorted().toList());
    assertEquals(List.of(), rounds.pick(List.of()));
  }

  @Test
  void aRoundReadsOwnOtherDevicesThenEveryDeviceOfEachPickedContactsHeldLog() {
    TestPersona me = new TestPersona(1);
    me.addDevice();
    me.addDevice();
    NodeId self = me.devices.get(1).id();
    TestPersona alice = new TestPersona(2);
    KeyState heldAlice = alice.state();
    alice.addDevice(); // alice's newer log: not the one this node holds
    TestPersona bob = new TestPersona(3);
    bob.addDevice();
    // Contacts 0..34: contact 0 is alice, the others bob.
    List<Integer> accepted = IntStream.range(0, LogRounds.CONTACTS_PER_ROUND + 3).boxed().toList();
    Function<Integer, KeyState> held = c -> c == 0 ? heldAlice : bob.state();

    List<LogRounds.Reads<Integer>> first = rounds.reads(me.state(), self, accepted, held);
    assertEquals(1 + LogRounds.CONTACTS_PER_ROUND, first.size());
    LogRounds.Reads<Integer> own = first.get(0);
    assertEquals(Optional.empty(), own.contact());
    assertEquals(me.state().persona(), own.persona());
    assertEquals(List.of(me.devices.get(0).id(), me.devices.get(2).id()), own.devices());
    assertEquals(new LogRounds.Reads<>(Optional.of(0), heldAlice.persona(), List.of(alice.devices.get(0).id())),
        first.get(1), "the held log's devices");
    assertEquals(new LogRounds.Reads<>(Optional.of(1), bob.state().persona(), List.copyOf(bob.state().devices().keySet())),
        first.get(2));
    // The next round goes on round-robin and reads its own devices first again.
    List<LogRounds.Reads<Integer>> second = rounds.reads(me.state(), self, accepted, held);
    assertEquals(Optional.empty(), second.get(0).contact());
    assertEquals(Optional.of(LogRounds.CONTACTS_PER_ROUND), second.get(1).contact());
    // A lone device without contacts reads its own persona's (no) other devices.
    TestPersona lone = new TestPersona(4);
    assertEquals(List.of(new LogRounds.Reads<Integer>(Optional.empty(), lone.state().persona(), List.of())),
        rounds.reads(lone.state(), lone.devices.get(0).id(), List.of(), held));
  }

  @Test
  void aChangedLogIsPushedToOwnOtherDevicesThenEachAcceptedContactsHeldDevicesOnceEach() {
    TestPersona me = new TestPersona(1);
    me.addDevice();
    NodeId self = me.devices.get(0).id();
    NodeId other = me.devices.get(1).id();
    TestPersona alice = new TestPersona(2);
    KeyState heldAlice = alice.state();
    alice.addDevice(); // alice's newer log: not the one this node holds
    TestPersona bob = new TestPersona(3);
    bob.addDevice();
    NodeId removed = new TestPersona(5).devices.get(0).id();
    Function<Integer, KeyState> held = c -> c == 0 ? heldAlice : bob.state();

    List<NodeId> targets = LogRounds.pushTargets(me.state(), self, List.of(0, 1, 1), held, List.of(removed, other, self));
    assertEquals(List.of(other, alice.devices.get(0).id(), bob.devices.get(0).id(), bob.devices.get(1).id(), removed),
        targets, "own others, each held log's devices, then alsoTell; each once, never self");
    TestPersona lone = new TestPersona(4);
    assertEquals(List.of(), LogRounds.pushTargets(lone.state(), lone.devices.get(0).id(), List.of(), held, List.of()));
  }

  @Test
  void eventsArePublishedOncePerHour() {
    assertTrue(rounds.firstPublish("0:ab"));
    assertFalse(rounds.firstPublish("0:ab"));
    assertTrue(rounds.firstPublish("1:cd"));
    assertFalse(rounds.pollRepublish(now + LogRounds.REPUBLISH_SECONDS - 1));
    assertFalse(rounds.firstPublish("0:ab"));
    assertTrue(rounds.pollRepublish(now + LogRounds.REPUBLISH_SECONDS));
    assertTrue(rounds.firstPublish("0:ab"));
    assertFalse(rounds.pollRepublish(now + LogRounds.REPUBLISH_SECONDS + 1));
    assertTrue(rounds.nextWake() <= now + LogRounds.EARLY_SECONDS, "the next round comes first");
  }

  @Test
  void theIdsRememberedAreBounded() {
    for (int i = 0; i < 10 * KeyLog.MAX_EVENTS; i++) {
      assertTrue(rounds.firstPublish(i + ":x"));
    }
    assertFalse(rounds.firstPublish("0:x"), "the first ones are still remembered");
  }
}
