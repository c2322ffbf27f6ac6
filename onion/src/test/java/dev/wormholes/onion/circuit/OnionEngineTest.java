package dev.wormholes.onion.circuit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.onion.cell.CellCommand;
import dev.wormholes.onion.cell.ChannelCell;
import dev.wormholes.onion.cell.ChannelCellCodec;
import dev.wormholes.onion.circuit.OnionEvent.CloseReason;
import dev.wormholes.onion.handshake.Extensions;
import dev.wormholes.onion.handshake.NtorV3;
import dev.wormholes.proto.NodeId;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OnionEngineTest {
  private static final long LATENCY = 5;
  private static final byte[] CGO = Extensions.encode(List.of(new Extensions.Extension(
      Extensions.RELAY_CRYPTO, new byte[] {Extensions.RELAY_CRYPTO_CGO_AES128})));

  private static OnionNet net(int n, OnionConfig config) {
    return new OnionNet(n, 17, LATENCY, config);
  }

  /** Build 0 -> hops..., settle, return the handle; assert it built. */
  private static long build(OnionNet net, int... hops) {
    long start = net.now;
    long h = net.node(0).buildCircuit(net.path(hops), net.now);
    net.settle();
    OnionEvent.CircuitBuilt built = net.events(0).stream()
        .filter(e -> e instanceof OnionEvent.CircuitBuilt b && b.circuit() == h)
        .map(OnionEvent.CircuitBuilt.class::cast).findFirst().orElseThrow();
    assertEquals(hops.length, built.hops().size());
    assertEquals(2 * LATENCY * hops.length * (hops.length + 1) / 2, built.buildMs());
    assertTrue(net.now - start >= built.buildMs());
    return h;
  }

  private static byte[] received(OnionNet net, int node, long circuit, int fromHop) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (OnionEvent e : net.events(node)) {
      if (e instanceof OnionEvent.Data d && d.circuit() == circuit && d.fromHop() == fromHop) {
        out.writeBytes(d.data());
      }
    }
    return out.toByteArray();
  }

  private static long farHandle(OnionNet net, int node) {
    return net.events(node).stream().filter(e -> e instanceof OnionEvent.Data)
        .mapToLong(e -> ((OnionEvent.Data) e).circuit()).findFirst().orElseThrow();
  }

  private static void sendChunked(OnionNet net, int node, long circuit, byte[] data) {
    for (int off = 0; off < data.length; off += 64 * 1024) {
      int n = Math.min(64 * 1024, data.length - off);
      assertTrue(net.node(node).send(circuit, java.util.Arrays.copyOfRange(data, off, off + n)));
      net.settle();
    }
  }

  @Test
  void threeHopCircuitCarriesFiveMibBothWaysByteIdentical() {
    OnionNet net = net(4, OnionConfig.defaults());
    long h = build(net, 1, 2, 3);
    byte[] up = new byte[5 << 20];
    new SplittableRandom(1).nextBytes(up);
    sendChunked(net, 0, h, up);
    assertArrayEquals(up, received(net, 3, farHandle(net, 3), -1));

    byte[] down = new byte[5 << 20];
    new SplittableRandom(2).nextBytes(down);
    sendChunked(net, 3, farHandle(net, 3), down);
    assertArrayEquals(down, received(net, 0, h, 2));
    for (OnionEngine e : net.nodes) {
      assertEquals(0, e.stats().totalRefused());
      assertEquals(0, e.stats().queuedCells());
    }
    assertEquals(List.of(), net.events(1));
    assertEquals(List.of(), net.events(2));
  }

  @Test
  void eightHopCircuitBuildsAndANinthExtendIsRefused() {
    OnionNet net = net(9, OnionConfig.defaults());
    long h = build(net, 1, 2, 3, 4, 5, 6, 7, 8);
    assertTrue(net.node(0).send(h, new byte[] {42}));
    net.settle();
    assertArrayEquals(new byte[] {42}, received(net, 8, farHandle(net, 8), -1));

    OnionConfig one = new OnionConfig(10_000, 1, 20, 5, 50, 10, 500, 1_000, 2048, 1_000, 20_000);
    OnionNet limited = net(4, one);
    build(limited, 1, 2);
    long h3 = limited.node(0).buildCircuit(limited.path(1, 2, 3), limited.now);
    limited.settle();
    assertTrue(limited.events(0).contains(new OnionEvent.CircuitFailed(h3, CloseReason.DESTROYED, 2)));
    assertEquals(1, limited.node(1).stats().refused(Refusal.EXTEND_LIMIT));
    assertEquals(1, limited.node(1).stats().circuits());
  }

  @Test
  void aFlippedBitAtAnyHopEitherWayDestroysTheCircuitAndNothingLaterIsDelivered() {
    int[] order = {0, 1, 2, 3};
    for (int link = 0; link < 3; link++) {
      for (boolean outbound : new boolean[] {true, false}) {
        OnionNet net = net(4, OnionConfig.defaults());
        long h = build(net, 1, 2, 3);
        net.node(0).send(h, new byte[] {1});
        net.settle();
        long far = farHandle(net, 3);
        NodeId from = net.id(order[outbound ? link : link + 1]);
        NodeId to = net.id(order[outbound ? link + 1 : link]);
        boolean[] flipped = {false};
        int at = 5 + 100 + link;
        net.tap = (f, t, cell) -> {
          if (!flipped[0] && f.equals(from) && t.equals(to) && cell[4] == CellCommand.RELAY.code()) {
            flipped[0] = true;
            byte[] c = cell.clone();
            c[at] ^= 0x10;
            return c;
          }
          return cell;
        };
        int upBefore = net.events(3).size();
        int downBefore = net.events(0).size();
        for (int i = 0; i < 10; i++) {
          net.node(0).send(h, new byte[] {2});
          net.node(3).send(far, new byte[] {3});
        }
        net.settle();
        assertTrue(flipped[0]);
        String where = "link " + link + (outbound ? " outbound" : " inbound");
        if (outbound) {
          assertTrue(net.events(3).subList(upBefore, net.events(3).size()).stream()
              .noneMatch(e -> e instanceof OnionEvent.Data d && d.data()[0] == 2), where);
        } else {
          assertTrue(net.events(0).subList(downBefore, net.events(0).size()).stream()
              .noneMatch(e -> e instanceof OnionEvent.Data d && d.data()[0] == 3), where);
        }
        assertTrue(net.events(0).stream().anyMatch(e -> e instanceof OnionEvent.CircuitClosed c
            && c.circuit() == h && (c.reason() == CloseReason.TAMPERED || c.reason() == CloseReason.DESTROYED)), where);
        long tampered = net.nodes.stream().mapToLong(e -> e.stats().refused(Refusal.TAMPERED)).sum();
        assertEquals(1, tampered, where);
        for (OnionEngine e : net.nodes) {
          assertEquals(0, e.stats().circuits(), where);
        }
        assertFalse(net.node(0).send(h, new byte[] {4}));
      }
    }
  }

  @Test
  void aHopThatDoesNotAnswerFailsTheBuildAtTheTimeoutAndFreesEveryHop() {
    OnionConfig config = OnionConfig.defaults();
    OnionNet net = net(4, config);
    NodeId silent = net.id(3);
    net.tap = (f, t, cell) -> t.equals(silent) ? null : cell;
    long h = net.node(0).buildCircuit(net.path(1, 2, 3), 0);
    net.settle();
    assertEquals(List.of(new OnionEvent.CircuitFailed(h, CloseReason.TIMEOUT, 2)), net.events(0));
    assertEquals(config.buildTimeoutMs() + 2 * LATENCY, net.now);
    for (OnionEngine e : net.nodes) {
      assertEquals(0, e.stats().circuits());
      assertEquals(Long.MAX_VALUE, e.pollTimeout());
    }
  }

  @Test
  void aRelayWhoseExtendIsNeverAnsweredFreesItAtTheTimeoutEvenIfNoDestroyComes() {
    OnionConfig config = OnionConfig.defaults();
    OnionNet net = net(4, config);
    NodeId silent = net.id(3);
    NodeId relay = net.id(2);
    net.tap = (f, t, cell) ->
        t.equals(silent) || (t.equals(relay) && cell[4] == CellCommand.DESTROY.code()) ? null : cell;
    net.node(0).buildCircuit(net.path(1, 2, 3), 0);
    net.runUntil(config.buildTimeoutMs());
    assertEquals(1, net.node(2).stats().circuits());
    net.settle();
    for (OnionEngine e : net.nodes) {
      assertEquals(0, e.stats().circuits());
      assertEquals(Long.MAX_VALUE, e.pollTimeout());
    }
    assertEquals(List.of(), net.events(2));
  }

  /** A neighbour that is no engine, sending valid CREATE2 cells for node 1 as fast as it likes. */
  private static byte[][] createFlood(OnionNet net, NodeId attacker, int n) {
    SplittableRandom r = new SplittableRandom(5);
    byte[][] cells = new byte[n][];
    long half = attacker.compareTo(net.id(1)) > 0 ? 0x8000_0000L : 0;
    for (int i = 0; i < n; i++) {
      byte[] x = new byte[32];
      r.nextBytes(x);
      NtorV3.ClientStart start = ((dev.wormholes.onion.handshake.HandshakeResult.Ok<NtorV3.ClientStart>)
          NtorV3.clientStart(net.hops.get(1).relayKeys(), x, OnionEngine.VERIFICATION, CGO)).value();
      byte[] payload = new byte[ChannelCellCodec.PAYLOAD_BYTES];
      payload[1] = OnionEngine.HTYPE_NTOR_V3;
      payload[3] = (byte) start.onionskin().length;
      System.arraycopy(start.onionskin(), 0, payload, 4, start.onionskin().length);
      cells[i] = ChannelCellCodec.encode(new ChannelCell(half | (i + 1), CellCommand.CREATE2, payload));
    }
    return cells;
  }

  @Test
  void aCreateFloodFromOneNeighbourIsHeldToItsBudgetAndCounted() {
    OnionConfig config = OnionConfig.defaults();
    OnionNet net = net(4, config);
    NodeId attacker = NodeId.ofWords(1, 2, 3, 4);
    byte[][] flood = createFlood(net, attacker, 2000);
    for (byte[] cell : flood) {
      net.inject(attacker, 1, cell);
    }
    OnionStats s = net.node(1).stats();
    assertEquals(config.createBurst(), s.queuedCreates());
    assertEquals(2000 - config.createBurst(), s.refused(Refusal.CREATE_BUDGET));
    // A friend's circuit through node 1 still builds while the attacker's creates are served.
    build(net, 1, 2);
    assertEquals(config.createBurst() + 1, net.node(1).stats().handshakes());
    // Every admitted create was a valid one and got its circuit.
    assertEquals(config.createBurst() + 1, net.node(1).stats().circuits());
    assertEquals(0, net.node(1).stats().refused(Refusal.HANDSHAKE_FAILED));
  }

  @Test
  void circuitCapsHandshakesPerTickAndQueueDelayHold() {
    // Budget out of the way: per-neighbour cap 300, queue 200, 5 handshakes per 10 ms, 100 ms wait.
    OnionConfig config = new OnionConfig(10_000, 8, 100_000, 1, 5, 10, 200, 100, 2048, 300, 20_000);
    OnionNet net = net(4, config);
    NodeId attacker = NodeId.ofWords(9, 9, 9, 9);
    byte[][] flood = createFlood(net, attacker, 400);
    for (byte[] cell : flood) {
      net.inject(attacker, 1, cell);
    }
    OnionStats s = net.node(1).stats();
    assertEquals(200, s.queuedCreates());
    assertEquals(200, s.refused(Refusal.CREATE_QUEUE_FULL));
    net.settle();
    s = net.node(1).stats();
    assertEquals(0, s.queuedCreates());
    assertTrue(s.handshakes() + s.refused(Refusal.HANDSHAKE_FAILED) >= 50 && s.handshakes() + s.refused(Refusal.HANDSHAKE_FAILED) <= 55, s.toString());
    assertEquals(200, s.refused(Refusal.HANDSHAKE_FAILED) + s.handshakes() + s.refused(Refusal.CREATE_QUEUE_DELAY));

    OnionNet capped = net(4, new OnionConfig(10_000, 8, 100_000, 1, 1000, 10, 1000, 1000, 2048, 30, 45));
    NodeId a = NodeId.ofWords(7, 7, 7, 7);
    NodeId b = NodeId.ofWords(8, 8, 8, 8);
    for (byte[] cell : createFlood(capped, a, 100)) {
      capped.inject(a, 1, cell);
    }
    for (byte[] cell : createFlood(capped, b, 100)) {
      capped.inject(b, 1, cell);
    }
    capped.settle();
    OnionStats c = capped.node(1).stats();
    assertEquals(45, c.circuits() + c.refused(Refusal.HANDSHAKE_FAILED));
    assertEquals(70, c.refused(Refusal.CIRCUITS_PER_NEIGHBOUR));
    assertEquals(85, c.refused(Refusal.CIRCUITS_TOTAL));
  }

  @Test
  void aFullCircuitQueueEvictsOldestFirstAndStaysBounded() {
    OnionConfig config = new OnionConfig(10_000, 8, 20, 5, 50, 10, 500, 1_000, 64, 1_000, 20_000);
    OnionNet net = net(4, config);
    long h = build(net, 1, 2, 3);
    net.node(0).send(h, new byte[1 << 20]);
    OnionStats s = net.node(0).stats();
    assertEquals(64, s.queuedCells());
    long cells = ((1 << 20) + 487) / 488;
    assertEquals(cells - 64, s.refused(Refusal.QUEUE_EVICTED));
    net.settle();
    // The gap breaks CGO's chain: the exit cannot recognise the first cell after it.
    assertEquals(1, net.node(3).stats().refused(Refusal.TAMPERED));
    assertEquals(0, net.node(0).stats().queuedCells());
  }

  @Test
  void aHostileNeighboursGarbageIsDroppedCountedAndHarmsNoCircuit() {
    OnionNet net = net(4, OnionConfig.defaults());
    long h = build(net, 1, 2, 3);
    NodeId hostile = NodeId.ofWords(-1, -1, -1, -1);
    SplittableRandom r = new SplittableRandom(99);
    int ignored = 0;
    int n = 5000;
    for (int i = 0; i < n; i++) {
      byte[] cell = new byte[i % 10 == 0 ? r.nextInt(1200) : ChannelCellCodec.CELL_BYTES];
      r.nextBytes(cell);
      if (cell.length == ChannelCellCodec.CELL_BYTES && cell[4] == 0) {
        ignored++;
      }
      net.inject(hostile, 1, cell);
    }
    net.settle();
    OnionStats s = net.node(1).stats();
    assertEquals(n, s.totalRefused() + ignored);
    assertEquals(1, s.circuits());
    assertEquals(0, s.queuedCreates());
    assertTrue(net.node(0).send(h, new byte[] {7}));
    net.settle();
    assertArrayEquals(new byte[] {7}, received(net, 3, farHandle(net, 3), -1));
  }

  @Test
  void closeAtEitherEndDestroysTheCircuitAtEveryHop() {
    for (boolean atOriginator : new boolean[] {true, false}) {
      OnionNet net = net(4, OnionConfig.defaults());
      long h = build(net, 1, 2, 3);
      net.node(0).send(h, new byte[] {1});
      net.settle();
      long far = farHandle(net, 3);
      assertTrue(atOriginator ? net.node(0).close(h) : net.node(3).close(far));
      net.settle();
      for (OnionEngine e : net.nodes) {
        assertEquals(0, e.stats().circuits());
        assertEquals(0, e.stats().totalRefused());
      }
      assertTrue(net.events(0).contains(new OnionEvent.CircuitClosed(h,
          atOriginator ? CloseReason.REQUESTED : CloseReason.DESTROYED)));
      assertTrue(net.events(3).contains(new OnionEvent.CircuitClosed(far,
          atOriginator ? CloseReason.DESTROYED : CloseReason.REQUESTED)));
      assertFalse(net.node(3).send(far, new byte[] {2}));
    }
  }

  @Test
  void bothEndsOfALinkBuildThroughEachOtherWithoutIdCollisions() {
    OnionNet net = new OnionNet(2, 3, LATENCY, OnionConfig.defaults());
    int n = OnionConfig.defaults().createBurst();
    for (int i = 0; i < n; i++) {
      net.node(0).buildCircuit(List.of(net.hops.get(1)), net.now);
      net.node(1).buildCircuit(List.of(net.hops.get(0)), net.now);
    }
    net.settle();
    assertEquals(n, net.events(0).stream().filter(e -> e instanceof OnionEvent.CircuitBuilt).count());
    assertEquals(n, net.events(1).stream().filter(e -> e instanceof OnionEvent.CircuitBuilt).count());
    assertEquals(0, net.node(0).stats().totalRefused());
  }

  @Test
  void relayMessagesCarryTheirCommandAndStreamBothWaysAndTheEnginesOwnAreRefused() {
    OnionNet net = net(4, OnionConfig.defaults());
    long h = build(net, 1, 2, 3);
    assertTrue(net.node(0).send(h, new dev.wormholes.onion.cell.RelayMessage(1, 7, new byte[] {42})));
    net.settle();
    OnionEvent.Data there = net.events(3).stream().filter(e -> e instanceof OnionEvent.Data)
        .map(OnionEvent.Data.class::cast).findFirst().orElseThrow();
    assertEquals(1, there.command());
    assertEquals(7, there.streamId());
    assertArrayEquals(new byte[] {42}, there.data());
    assertTrue(net.node(3).send(there.circuit(), new dev.wormholes.onion.cell.RelayMessage(5, 7, new byte[0])));
    net.settle();
    OnionEvent.Data back = net.events(0).stream().filter(e -> e instanceof OnionEvent.Data)
        .map(OnionEvent.Data.class::cast).findFirst().orElseThrow();
    assertEquals(List.of(5, 7, 2), List.of(back.command(), back.streamId(), back.fromHop()));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> net.node(0)
        .send(h, new dev.wormholes.onion.cell.RelayMessage(OnionEngine.RELAY_EXTEND2, 0, new byte[0])));
    assertFalse(net.node(0).send(h + 100, new dev.wormholes.onion.cell.RelayMessage(2, 1, new byte[0])));
  }

  @Test
  void aLostLinkEndsEveryCircuitOverItAndTheOthersHearDestroy() {
    OnionNet net = net(5, OnionConfig.defaults());
    long through = build(net, 1, 2, 3);
    long other = net.node(0).buildCircuit(net.path(1, 4), net.now);
    net.settle();
    assertTrue(net.node(0).send(through, new byte[] {1}));
    net.settle();
    // Node 2 loses its link to node 3: only the circuit through both ends, everywhere.
    assertEquals(1, net.node(2).handleLinkDown(net.id(3), net.now));
    net.node(3).handleLinkDown(net.id(2), net.now);
    net.settle();
    assertTrue(net.events(0).stream().anyMatch(e -> e instanceof OnionEvent.CircuitClosed c
        && c.circuit() == through && c.reason() == CloseReason.DESTROYED));
    assertTrue(net.events(2).stream().noneMatch(e -> e instanceof OnionEvent.CircuitClosed));
    assertTrue(net.events(3).stream().anyMatch(e -> e instanceof OnionEvent.CircuitClosed c
        && c.reason() == CloseReason.LINK_LOST));
    assertEquals(0, net.node(2).stats().circuits());
    assertEquals(0, net.node(3).stats().circuits());
    assertTrue(net.node(0).send(other, new byte[] {2}));
    assertFalse(net.node(0).send(through, new byte[] {3}));
    // The originator's own link to its first hop: its circuits end with LINK_LOST.
    assertEquals(1, net.node(0).handleLinkDown(net.id(1), net.now));
    net.node(1).handleLinkDown(net.id(0), net.now);
    net.settle();
    assertTrue(net.events(0).stream().anyMatch(e -> e instanceof OnionEvent.CircuitClosed c
        && c.circuit() == other && c.reason() == CloseReason.LINK_LOST));
    assertEquals(0, net.node(1).stats().circuits());
    assertEquals(0, net.node(4).stats().circuits());
  }
}
