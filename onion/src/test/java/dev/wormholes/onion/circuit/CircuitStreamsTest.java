package dev.wormholes.onion.circuit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.onion.cell.RelayMessage;
import dev.wormholes.onion.cell.RelayMessageCodec;
import dev.wormholes.onion.stream.CircuitStreams;
import dev.wormholes.onion.stream.StreamEvent;
import dev.wormholes.onion.stream.Vegas;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link CircuitStreams} over engines in an {@link OnionNet}: streams, half-closure, SENDME windows. */
class CircuitStreamsTest {
  private final OnionNet net = new OnionNet(4, 23, 5, OnionConfig.defaults());
  private final List<CircuitStreams> streams = new ArrayList<>();
  private final List<List<StreamEvent>> seen = new ArrayList<>();
  private final int[] fed = new int[4];

  CircuitStreamsTest() {
    for (int i = 0; i < 4; i++) {
      streams.add(new CircuitStreams(net.node(i)));
      seen.add(new ArrayList<>());
    }
  }

  /** Settle the net, feeding engine events to each node's streams until nothing moves. */
  private void settle() {
    for (int round = 0; round < 10_000; round++) {
      net.settle();
      boolean moved = false;
      for (int i = 0; i < 4; i++) {
        List<OnionEvent> ev = net.events(i);
        while (fed[i] < ev.size()) {
          OnionEvent e = ev.get(fed[i]++);
          moved = true;
          if (e instanceof OnionEvent.Data d) {
            streams.get(i).handle(d, net.now * 1_000);
          } else if (e instanceof OnionEvent.CircuitClosed c) {
            streams.get(i).circuitGone(c.circuit());
          }
        }
        StreamEvent s;
        while ((s = streams.get(i).pollEvent()) != null) {
          seen.get(i).add(s);
        }
      }
      net.drainAll();
      if (!moved) {
        return;
      }
    }
    throw new AssertionError("did not settle");
  }

  private long build() {
    long h = net.node(0).buildCircuit(net.path(1, 2, 3), net.now);
    settle();
    assertTrue(net.events(0).stream().anyMatch(e -> e instanceof OnionEvent.CircuitBuilt));
    return h;
  }

  private <T extends StreamEvent> List<T> events(int node, Class<T> type) {
    return seen.get(node).stream().filter(type::isInstance).map(type::cast).toList();
  }

  private byte[] data(int node, int stream) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    events(node, StreamEvent.Data.class).stream().filter(d -> d.stream() == stream).forEach(d -> out.writeBytes(d.data()));
    return out.toByteArray();
  }

  @Test
  void aStreamOpensCarriesBytesBothWaysWithinItsWindowAndHalfClosesEachWay() {
    long h = build();
    int id = streams.get(0).open(h, "web NODE".getBytes(StandardCharsets.US_ASCII));
    settle();
    StreamEvent.Begin begin = events(3, StreamEvent.Begin.class).get(0);
    assertEquals("web NODE", new String(begin.target(), StandardCharsets.US_ASCII));
    streams.get(3).accept(begin.circuit(), begin.stream());
    settle();
    assertEquals(List.of(new StreamEvent.Connected(h, id)), events(0, StreamEvent.Connected.class));

    byte[] up = new byte[2 << 20];
    new SplittableRandom(3).nextBytes(up);
    // The first write takes the initial congestion window; circuit SENDMEs open it further.
    int off = streams.get(0).write(h, id, up, 0, up.length, net.now * 1_000);
    assertEquals(Vegas.CWND_INIT * RelayMessageCodec.MAX_DATA, off);
    off = writeWhileWritable(h, id, up, off);
    // The far end has not consumed anything: the sender stopped at one stream window.
    assertEquals(CircuitStreams.STREAM_WINDOW * RelayMessageCodec.MAX_DATA, off);
    assertEquals(0, streams.get(0).sendable(h, id));
    for (OnionEngine e : net.nodes) {
      assertEquals(0, e.stats().queuedCells());
    }
    for (int guard = 0; off < up.length && guard < 1000; guard++) {
      int cells = events(3, StreamEvent.Data.class).size();
      streams.get(3).consumed(begin.circuit(), begin.stream(), cells - consumedSoFar);
      consumedSoFar = cells;
      settle();
      off = writeWhileWritable(h, id, up, off);
    }
    assertArrayEquals(up, data(3, begin.stream()));
    // A clean path (fixed latency, no queue): the window grew out of slow start's first step.
    assertTrue(streams.get(0).congestion(h).cwnd() > Vegas.CWND_INIT, streams.get(0).congestion(h).toString());

    // Half-close from the originator; the far end still answers, then closes its side.
    streams.get(0).end(h, id, CircuitStreams.DONE);
    settle();
    assertEquals(List.of(new StreamEvent.Ended(begin.circuit(), begin.stream(), CircuitStreams.DONE)),
        events(3, StreamEvent.Ended.class));
    byte[] down = "the answer".getBytes(StandardCharsets.US_ASCII);
    assertEquals(down.length, streams.get(3).write(begin.circuit(), begin.stream(), down, 0, down.length, net.now * 1_000));
    streams.get(3).end(begin.circuit(), begin.stream(), CircuitStreams.DONE);
    settle();
    assertArrayEquals(down, data(0, id));
    assertEquals(List.of(new StreamEvent.Ended(h, id, CircuitStreams.DONE)), events(0, StreamEvent.Ended.class));
    assertEquals(0, streams.get(0).streams(h));
    assertEquals(0, streams.get(3).streams(begin.circuit()));
    assertEquals(0, streams.get(0).violations() + streams.get(3).violations());
  }

  private int consumedSoFar;

  /** Write from {@code off} on every Writable of node 0 until none comes; return the new offset. */
  private int writeWhileWritable(long h, int id, byte[] up, int off) {
    settle();
    while (off < up.length && !events(0, StreamEvent.Writable.class).isEmpty()) {
      seen.get(0).removeIf(StreamEvent.Writable.class::isInstance);
      off += streams.get(0).write(h, id, up, off, up.length - off, net.now * 1_000);
      settle();
    }
    return off;
  }

  /** Open a stream from node 0 and accept it at node 3; return {circuit at 0, stream, circuit at 3}. */
  private long[] openAccepted() {
    long h = build();
    int id = streams.get(0).open(h, new byte[] {1});
    settle();
    StreamEvent.Begin begin = events(3, StreamEvent.Begin.class).get(0);
    streams.get(3).accept(begin.circuit(), begin.stream());
    settle();
    return new long[] {h, id, begin.circuit()};
  }

  @Test
  void sendableIsWhatTheWindowsTakeAndReopensOnSendmes() {
    long[] o = openAccepted();
    long h = o[0];
    int id = (int) o[1];
    assertEquals(Vegas.CWND_INIT * RelayMessageCodec.MAX_DATA, streams.get(0).sendable(h, id));
    byte[] up = new byte[1 << 20];
    int off = streams.get(0).write(h, id, up, 0, up.length, net.now * 1_000);
    assertEquals(0, streams.get(0).sendable(h, id));
    assertEquals(-1, streams.get(0).sendable(h, id + 1));
    settle(); // the far end's circuit SENDMEs come back: the window opened and grew
    assertEquals(1, events(0, StreamEvent.Writable.class).size());
    int room = streams.get(0).sendable(h, id);
    assertTrue(room > Vegas.CWND_INIT * RelayMessageCodec.MAX_DATA, "room " + room);
    assertEquals(room, streams.get(0).write(h, id, up, off, up.length - off, net.now * 1_000));
    assertEquals(0, streams.get(0).sendable(h, id));
  }

  @Test
  void aSendmeForCellsNotReceivedClosesTheCircuit() {
    long[] o = openAccepted();
    // A SENDME when nothing was sent acknowledges nothing.
    net.node(3).send(o[2], new RelayMessage(CircuitStreams.SENDME, 0, new byte[16]));
    settle();
    assertEquals(1, streams.get(0).violations());
    assertEquals(0, net.node(0).stats().circuits());

    // An optimistic SENDME: the far end acknowledges the 31st cell before it arrived, guessing its
    // tag (a window count alone would take it: the sender is a window's worth below its cap).
    seen.forEach(List::clear);
    o = openAccepted();
    byte[] cells = new byte[Vegas.CWND_INIT * RelayMessageCodec.MAX_DATA];
    assertEquals(cells.length, streams.get(0).write(o[0], (int) o[1], cells, 0, cells.length, net.now * 1_000));
    byte[] guess = new byte[16];
    new SplittableRandom(5).nextBytes(guess);
    net.node(3).send(o[2], new RelayMessage(CircuitStreams.SENDME, 0, guess));
    settle();
    assertEquals(2, streams.get(0).violations());
    assertEquals(0, net.node(0).stats().circuits());
    assertEquals(List.of(new StreamEvent.Ended(o[0], (int) o[1], CircuitStreams.CIRCUIT_GONE)),
        events(0, StreamEvent.Ended.class));
  }

  @Test
  void aSenderThatIgnoresTheWindowLosesItsCircuit() {
    long h = build();
    int id = streams.get(0).open(h, new byte[] {1});
    settle();
    StreamEvent.Begin begin = events(3, StreamEvent.Begin.class).get(0);
    streams.get(3).accept(begin.circuit(), begin.stream());
    settle();
    for (int i = 0; i <= CircuitStreams.STREAM_WINDOW; i++) {
      net.node(3).send(begin.circuit(), new RelayMessage(CircuitStreams.DATA, begin.stream(), new byte[8]));
    }
    settle();
    assertEquals(1, streams.get(0).violations());
    assertEquals(CircuitStreams.STREAM_WINDOW, data(0, id).length / 8);
    assertTrue(net.events(0).stream().anyMatch(e -> e instanceof OnionEvent.CircuitClosed));
    assertEquals(List.of(new StreamEvent.Ended(h, id, CircuitStreams.CIRCUIT_GONE)), events(0, StreamEvent.Ended.class));
    for (OnionEngine e : net.nodes) {
      assertEquals(0, e.stats().circuits());
    }
  }

  @Test
  void aBeginTowardsTheOriginatorOrAnUnaskedConnectedBreaksTheCircuit() {
    long h = build();
    long far = -1;
    streams.get(0).open(h, new byte[] {1});
    settle();
    far = events(3, StreamEvent.Begin.class).get(0).circuit();
    net.node(3).send(far, new RelayMessage(CircuitStreams.BEGIN, 9, new byte[0]));
    settle();
    assertEquals(1, streams.get(0).violations());
    assertEquals(0, net.node(0).stats().circuits());

    long h2 = build();
    streams.get(0).open(h2, new byte[] {1});
    settle();
    StreamEvent.Begin b = events(3, StreamEvent.Begin.class).get(1);
    net.node(3).send(b.circuit(), new RelayMessage(CircuitStreams.CONNECTED, 77, new byte[0]));
    settle();
    assertEquals(2, streams.get(0).violations());
    assertEquals(List.of(), events(0, StreamEvent.Connected.class));
  }

  @Test
  void streamsPerCircuitAreCappedAndAClosedCircuitEndsEveryStream() {
    long h = build();
    for (int i = 0; i < CircuitStreams.MAX_STREAMS; i++) {
      assertTrue(streams.get(0).open(h, new byte[] {(byte) i}) > 0);
    }
    assertEquals(-1, streams.get(0).open(h, new byte[] {1}));
    settle();
    assertEquals(CircuitStreams.MAX_STREAMS, events(3, StreamEvent.Begin.class).size());
    net.node(0).close(h);
    settle();
    assertEquals(CircuitStreams.MAX_STREAMS, events(0, StreamEvent.Ended.class).size());
    assertEquals(0, streams.get(0).streams(h));
  }
}
