package dev.wormholes.nat.punch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.nat.sim.VirtualNat.Type;
import dev.wormholes.nat.sim.VirtualNet;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One lost signalling datagram never costs a session between easy NATs: each of the initiator's
 * Register (sent with its Connect, as a node registering with the target's rendezvous at connect
 * time does), its Connect, the forwarded Connect, the target's Accept, the forwarded Accept, the
 * Sync (both legs) and the rendezvous' Registered answer is dropped exactly once ({@link
 * LossRig}, virtual time, 20 ms one-way) and both ends still get a path within the punch budget.
 */
class SignallingLossTest {
  static final HolePunch.Config CONFIG = HolePunch.Config.defaults();
  static final List<Type[]> EASY_PAIRS = List.of(
      new Type[] {Type.PORT_RESTRICTED, Type.PORT_RESTRICTED},
      new Type[] {Type.FULL_CONE, Type.ADDRESS_RESTRICTED},
      new Type[] {Type.PUBLIC, Type.PORT_RESTRICTED});

  static Stream<Arguments> singleLosses() {
    List<LossRig.Drop> drops = List.of(
        new LossRig.Drop(LossRig.Party.A, PunchMessage.Register.class, 1),
        new LossRig.Drop(LossRig.Party.A, PunchMessage.Connect.class, 1),
        new LossRig.Drop(LossRig.Party.R_TO_B, PunchMessage.Connect.class, 1),
        new LossRig.Drop(LossRig.Party.B, PunchMessage.Accept.class, 1),
        new LossRig.Drop(LossRig.Party.R_TO_A, PunchMessage.Accept.class, 1),
        new LossRig.Drop(LossRig.Party.A, PunchMessage.Sync.class, 1),
        new LossRig.Drop(LossRig.Party.R_TO_B, PunchMessage.Sync.class, 1),
        new LossRig.Drop(LossRig.Party.R_TO_A, PunchMessage.Registered.class, 1));
    List<Arguments> out = new ArrayList<>();
    for (Type[] pair : EASY_PAIRS) {
      for (LossRig.Drop d : drops) {
        out.add(Arguments.of(pair[0], pair[1], d));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} -> {1}, drop {2}")
  @MethodSource("singleLosses")
  void oneLostSignallingDatagramStillPunchesWithinTheBudget(Type a, Type b, LossRig.Drop drop) {
    LossRig rig = new LossRig(a, b, 7, CONFIG, drop);
    rig.run();
    assertEquals(1, rig.droppedCount(), "the rig dropped exactly the one datagram under test");
    PunchEvent.PathEstablished pa = assertInstanceOf(PunchEvent.PathEstablished.class, rig.a.outcome(),
        "initiator: " + rig.a.outcome());
    assertInstanceOf(PunchEvent.PathEstablished.class, rig.b.outcome(), "target: " + rig.b.outcome());
    assertTrue(pa.elapsedMs() < CONFIG.punchTimeoutMs(), "path after " + pa.elapsedMs() + " ms");
    // One retry period plus the handshake: far inside the budget, not saved by a keepalive. A lost
    // Sync waits for the target's own start (4 retry periods after the Connect): until the target
    // probes, a filtering NAT drops the initiator's probes.
    long bound = drop.type() == PunchMessage.Sync.class ? 4 * CONFIG.connectRetryMs() + 200
        : 2 * CONFIG.connectRetryMs() + 600;
    assertTrue(pa.elapsedMs() <= bound, "path after " + pa.elapsedMs() + " ms");
  }

  @Test
  void theInitiatorsRegisterAndItsFirstRetryLostStillPunch() {
    LossRig rig = new LossRig(Type.PORT_RESTRICTED, Type.PORT_RESTRICTED, 11, CONFIG,
        new LossRig.Drop(LossRig.Party.A, PunchMessage.Register.class, 2));
    rig.run();
    assertEquals(2, rig.droppedCount());
    assertInstanceOf(PunchEvent.PathEstablished.class, rig.a.outcome(), "initiator: " + rig.a.outcome());
    assertInstanceOf(PunchEvent.PathEstablished.class, rig.b.outcome(), "target: " + rig.b.outcome());
  }

  @Test
  void aLostRegisterReplayedLaterMovesNothing() {
    LossRig rig = new LossRig(Type.PORT_RESTRICTED, Type.PORT_RESTRICTED, 13, CONFIG,
        new LossRig.Drop(LossRig.Party.A, PunchMessage.Register.class, 1));
    rig.run();
    assertInstanceOf(PunchEvent.PathEstablished.class, rig.a.outcome(), "initiator: " + rig.a.outcome());
    InetSocketAddress registered = rig.rv.registered(rig.a.identity().id()).orElseThrow();
    // An on-path attacker kept the lost Register and replays it from its own address.
    InetSocketAddress mallory = new InetSocketAddress(VirtualNet.ip(192, 0, 2, 66), 4000);
    rig.rv.handleDatagram(0, mallory, rig.droppedBytes().get(0), rig.net.now());
    assertEquals(1, rig.rv.counters().replayedRegister());
    assertEquals(registered, rig.rv.registered(rig.a.identity().id()).orElseThrow());
  }
}
