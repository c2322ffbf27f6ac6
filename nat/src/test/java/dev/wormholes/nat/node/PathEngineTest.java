package dev.wormholes.nat.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.nat.node.PathEngine.Action;
import dev.wormholes.nat.node.PathEngine.Dial;
import dev.wormholes.nat.node.PathEngine.Failed;
import dev.wormholes.nat.node.PathEngine.Found;
import dev.wormholes.nat.node.PathEngine.Lookup;
import dev.wormholes.nat.node.PathEngine.OpenRelay;
import dev.wormholes.nat.node.PathEngine.Outcome;
import dev.wormholes.nat.node.PathEngine.Punch;
import dev.wormholes.nat.node.PathEngine.Rung;
import dev.wormholes.nat.punch.HolePunch;
import dev.wormholes.proto.Endpoints;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.Contact;
import dev.wormholes.proto.wire.EndpointKind;
import dev.wormholes.proto.wire.NatBehaviour;
import dev.wormholes.proto.wire.NatReport;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.ReachEndpoint;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The ladder's timing on a virtual clock: what runs at once, when relays start, who wins, upgrade rounds. */
class PathEngineTest {
  private static final NodeId TARGET = NodeId.ofWords(1, 2, 3, 4);
  private static final NodeId RELAY1 = NodeId.ofWords(5, 0, 0, 0);
  private static final NodeId RELAY2 = NodeId.ofWords(6, 0, 0, 0);
  private static final InetSocketAddress LAN = new InetSocketAddress("10.0.1.2", 7447);
  private static final InetSocketAddress OBSERVED = new InetSocketAddress("198.51.100.9", 40001);
  private static final InetSocketAddress R1 = new InetSocketAddress("203.0.113.1", 7447);
  private static final InetSocketAddress R2 = new InetSocketAddress("203.0.113.2", 7447);
  private static final InetSocketAddress PUNCHED = new InetSocketAddress("198.51.100.9", 50123);
  private static final InetSocketAddress SYNTHETIC = new InetSocketAddress("100::3", 9);

  private final PathEngine engine = new PathEngine(a -> true);
  private long now = 1_000;

  PathEngineTest() {
    engine.punching(true);
    engine.relaying(true);
  }

  /** A port-restricted (or, with {@code hard}, symmetric) node's record with two introducers. */
  private static Presence record(boolean hard) {
    NatBehaviour m = hard ? NatBehaviour.NAT_ADDRESS_AND_PORT_DEPENDENT : NatBehaviour.NAT_ENDPOINT_INDEPENDENT;
    Presence.Builder p = Presence.newBuilder().setNat(NatReport.newBuilder().setMapping(m)
        .setFiltering(NatBehaviour.NAT_ADDRESS_AND_PORT_DEPENDENT));
    p.addEndpoints(ReachEndpoint.newBuilder().setKind(EndpointKind.ENDPOINT_LAN).setEndpoint(Endpoints.toWire(LAN)));
    p.addEndpoints(ReachEndpoint.newBuilder().setKind(EndpointKind.ENDPOINT_OBSERVED).setEndpoint(Endpoints.toWire(OBSERVED)));
    for (Object[] r : new Object[][] {{RELAY1, R1}, {RELAY2, R2}}) {
      p.addIntroducers(Contact.newBuilder().setId(ByteString.copyFrom(((NodeId) r[0]).toBytes()))
          .setEndpoint(Endpoints.toWire((InetSocketAddress) r[1])));
    }
    return p.build();
  }

  private List<Action> actions() {
    List<Action> out = new ArrayList<>();
    for (Optional<Action> a = engine.pollAction(); a.isPresent(); a = engine.pollAction()) {
      out.add(a.get());
    }
    return out;
  }

  private List<Outcome> outcomes() {
    List<Outcome> out = new ArrayList<>();
    for (Optional<Outcome> o = engine.pollOutcome(); o.isPresent(); o = engine.pollOutcome()) {
      out.add(o.get());
    }
    return out;
  }

  /** Advance the clock to {@code t}, firing every deadline on the way as a driver's timer would. */
  private void runTo(long t) {
    for (var d = engine.pollTimeout(); d.isPresent() && d.getAsLong() <= t; d = engine.pollTimeout()) {
      now = Math.max(now, d.getAsLong());
      engine.handleTimeout(now);
    }
    now = t;
  }

  /** Start a search and answer its lookup with {@code record}; return the actions that follow. */
  private List<Action> started(Presence record, boolean selfHard) {
    engine.find(TARGET, now);
    Lookup l = assertInstanceOf(Lookup.class, actions().get(0));
    engine.handleRecord(l.id(), record, selfHard, now);
    return actions();
  }

  @Test
  void dialsAndPunchStartAtOnceAndTheFirstConnectionWins() {
    long t0 = now;
    long search = engine.find(TARGET, now);
    assertEquals(search, engine.find(TARGET, now), "a second ask joins the running search");
    Lookup l = assertInstanceOf(Lookup.class, actions().get(0));
    now += 40;
    engine.handleRecord(l.id(), record(false), false, now);
    List<Action> a = actions();
    assertEquals(2, a.size(), "the LAN endpoint and the punch (the observed one is filtered): " + a);
    Dial lan = assertInstanceOf(Dial.class, a.get(0));
    assertEquals(LAN, lan.address());
    assertEquals(Rung.LAN, lan.rung());
    Punch punch = assertInstanceOf(Punch.class, a.get(1));
    now += 200;
    engine.handlePunched(punch.id(), PUNCHED, Rung.PUNCHED, now);
    Dial quic = assertInstanceOf(Dial.class, actions().get(0));
    assertEquals(PUNCHED, quic.address());
    now += 10;
    engine.handleConnected(quic.id(), now);
    Found f = assertInstanceOf(Found.class, outcomes().get(0));
    assertEquals(new Found(search, TARGET, Rung.PUNCHED, PUNCHED, PUNCHED, now - t0, false), f);
    engine.handleConnected(lan.id(), now + 5); // too late: ignored
    assertTrue(outcomes().isEmpty());
    assertEquals(0, engine.searchCount());
    assertTrue(engine.pollTimeout().isEmpty(), "a direct path has no upgrade rounds");
  }

  @Test
  void relaysStartAfterThreeSecondsAndTheFirstRelayThatOpensCarriesThePath() {
    started(record(false), false);
    assertEquals(now + PathLadder.RELAY_AFTER_MS, engine.pollTimeout().orElseThrow());
    runTo(now + PathLadder.RELAY_AFTER_MS - 1);
    assertTrue(actions().isEmpty());
    runTo(now + 1);
    OpenRelay o1 = assertInstanceOf(OpenRelay.class, actions().get(0));
    assertEquals(R1, o1.relay());
    assertEquals(RELAY1, o1.relayId());
    engine.handleFailed(o1.id(), "refused: unknown target", now);
    OpenRelay o2 = assertInstanceOf(OpenRelay.class, actions().get(0));
    assertEquals(R2, o2.relay());
    engine.handleRelayOpened(o2.id(), SYNTHETIC, now + 30);
    Dial d = assertInstanceOf(Dial.class, actions().get(0));
    assertEquals(new Dial(d.id(), TARGET, SYNTHETIC, Rung.RELAYED, R2), d);
    engine.handleConnected(d.id(), now + 50);
    Found f = assertInstanceOf(Found.class, outcomes().get(0));
    assertEquals(Rung.RELAYED, f.rung());
    assertEquals(R2, f.shownAddress());
    assertEquals(1, engine.upgradeCount());
  }

  @Test
  void twoSymmetricNatsGoToRelaysAfter300Ms() {
    List<Action> a = started(record(true), true);
    assertEquals(List.of(Dial.class), a.stream().map(Object::getClass).toList(), "no punch can work: " + a);
    assertEquals(now + PathLadder.RELAY_AFTER_NO_PUNCH_MS, engine.pollTimeout().orElseThrow());
  }

  @Test
  void relaysStartAtOnceWhenEveryDirectAttemptFailed() {
    List<Action> a = started(record(false), false);
    engine.handleFailed(a.get(0).id(), "handshake timed out", now + 100);
    assertTrue(actions().isEmpty(), "the punch still runs");
    engine.handleFailed(a.get(1).id(), "punch timed out", now + 150);
    assertInstanceOf(OpenRelay.class, actions().get(0));
  }

  @Test
  void everyWayFailedTellsWhatWasTried() {
    List<Action> a = started(record(false), false);
    engine.handleFailed(a.get(0).id(), "handshake timed out", now);
    engine.handleFailed(a.get(1).id(), "punch timed out", now);
    for (int i = 0; i < 2; i++) {
      engine.handleFailed(actions().get(0).id(), "no answer", now);
    }
    Failed f = assertInstanceOf(Failed.class, outcomes().get(0));
    assertEquals("cannot reach node " + TARGET + " directly (punch timed out) nor through a relay (no answer)", f.reason());
    assertEquals(0, engine.searchCount());
    assertTrue(engine.pollTimeout().isEmpty());
  }

  @Test
  void withoutPunchingRelaysOrEndpointsTheSearchFailsAtOnce() {
    PathEngine bare = new PathEngine(a -> false); // nothing dialable
    long s = bare.find(TARGET, now);
    Lookup l = assertInstanceOf(Lookup.class, bare.pollAction().orElseThrow());
    bare.handleRecord(l.id(), record(false), false, now);
    assertTrue(bare.pollAction().isEmpty());
    assertEquals(new Failed(s, TARGET, "cannot reach node " + TARGET + ": its record lists no endpoint"),
        bare.pollOutcome().orElseThrow());
  }

  @Test
  void aRelayedPathLooksForADirectOneAt15And60And300Seconds() {
    long made = relayed();
    List<Long> lookups = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      runTo(engine.pollTimeout().orElseThrow());
      List<Action> a = actions();
      Lookup l = assertInstanceOf(Lookup.class, a.get(0));
      lookups.add(now - made);
      engine.handleRecord(l.id(), record(false), false, now);
      List<Action> tries = actions();
      assertFalse(tries.stream().anyMatch(x -> x instanceof OpenRelay), "an upgrade tries no relay");
      for (Action x : tries) {
        engine.handleFailed(x.id(), "no answer", now); // failing at once: the rounds keep their times
      }
      assertTrue(outcomes().isEmpty(), "a failed upgrade keeps the relayed path quietly");
    }
    assertEquals(List.of(15_000L, 60_000L, 300_000L), lookups);
    assertTrue(engine.pollTimeout().isEmpty());
    assertEquals(0, engine.upgradeCount());
  }

  @Test
  void anUpgradeThatConnectsReplacesTheRelayedPathAndForgetStopsTheRounds() {
    relayed();
    runTo(engine.pollTimeout().orElseThrow());
    engine.handleRecord(actions().get(0).id(), record(false), false, now);
    Punch p = assertInstanceOf(Punch.class, actions().get(1));
    engine.handlePunched(p.id(), PUNCHED, Rung.BIRTHDAY, now + 500);
    engine.handleConnected(actions().get(0).id(), now + 520);
    Found f = assertInstanceOf(Found.class, outcomes().get(0));
    assertTrue(f.upgrade());
    assertEquals(Rung.BIRTHDAY, f.rung());
    assertEquals(0, engine.upgradeCount());

    relayed();
    engine.forget(TARGET);
    assertTrue(engine.pollTimeout().isEmpty());
  }

  /** Make a relayed path (every direct attempt failed); return when it was made. */
  private long relayed() {
    List<Action> a = started(record(false), false);
    a.forEach(x -> engine.handleFailed(x.id(), "no", now));
    engine.handleRelayOpened(actions().get(0).id(), SYNTHETIC, now);
    engine.handleConnected(actions().get(0).id(), now);
    assertEquals(Rung.RELAYED, assertInstanceOf(Found.class, outcomes().get(0)).rung());
    return now;
  }

  @Test
  void relayOnlySearchesSkipTheDirectRungsAndStartNoUpgrades() {
    long s = engine.findRelayed(TARGET, now);
    engine.handleRecord(actions().get(0).id(), record(false), false, now);
    OpenRelay o = assertInstanceOf(OpenRelay.class, actions().get(0));
    engine.handleRelayOpened(o.id(), SYNTHETIC, now);
    engine.handleConnected(actions().get(0).id(), now);
    assertEquals(s, outcomes().get(0).search());
    assertEquals(0, engine.upgradeCount());
  }

  @Test
  void searchesAreBoundedTimeOutAndIgnoreStrayAnswers() {
    engine.handleConnected(12345, now);
    engine.handleFailed(-1, "x", now);
    engine.handleRecord(777, record(false), false, now);
    assertTrue(outcomes().isEmpty());
    for (int i = 0; i < PathEngine.MAX_SEARCHES; i++) {
      engine.find(NodeId.ofWords(9, 9, 9, i), now);
    }
    actions();
    long over = engine.find(TARGET, now);
    assertEquals(new Failed(over, TARGET, "too many path searches in progress"), outcomes().get(0));
    runTo(now + PathEngine.SEARCH_TIMEOUT_MS);
    assertEquals(PathEngine.MAX_SEARCHES, outcomes().size(), "every unanswered search timed out");
    assertEquals(0, engine.searchCount());
  }

  @Test
  void aStreamOpenWaitsAFewRoundTripsForALiveNodeWithinAFloorAndACeiling() {
    assertEquals(PathEngine.OPEN_SILENCE_FLOOR_MS, PathEngine.openSilenceMs(-1), "unknown round trip");
    assertEquals(PathEngine.OPEN_SILENCE_FLOOR_MS, PathEngine.openSilenceMs(1), "loopback");
    assertEquals(500 * PathEngine.OPEN_SILENCE_RTTS, PathEngine.openSilenceMs(500));
    assertEquals(PathEngine.OPEN_SILENCE_CEILING_MS, PathEngine.openSilenceMs(5_000));
    assertEquals(PathEngine.OPEN_SILENCE_CEILING_MS, PathEngine.openSilenceMs(Long.MAX_VALUE), "no overflow");
    assertTrue(PathEngine.OPEN_SILENCE_CEILING_MS < 30_000, "well under QUIC's idle timeout");
  }
}
