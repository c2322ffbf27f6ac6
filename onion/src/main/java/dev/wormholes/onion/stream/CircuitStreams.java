package dev.wormholes.onion.stream;

import dev.wormholes.onion.cell.RelayMessage;
import dev.wormholes.onion.cell.RelayMessageCodec;
import dev.wormholes.onion.circuit.OnionEngine;
import dev.wormholes.onion.circuit.OnionEvent;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Streams inside the circuits of one {@link OnionEngine}, at either end of a circuit, sans I/O.
 *
 * <p><b>Messages</b> (relay commands numbered as tor-spec's): BEGIN (1, target bytes) opens a
 * stream from the originator; the far end answers CONNECTED (4) or END; DATA (2) carries bytes;
 * END (3, one reason byte) with reason {@link #DONE} says "no more bytes from me" (a half-close,
 * like a FIN: the other direction goes on), any other reason aborts both directions. A stream is
 * forgotten once both sides sent DONE or either aborted.
 *
 * <p><b>Congestion and flow control</b>, in DATA cells. Per circuit, each end's sending side is a
 * {@link Vegas} window (Tor proposal 324's TOR_VEGAS, on the {@code nowMicros} handed in: the
 * caller's monotonic clock in microseconds): the receiving
 * end answers every {@link Vegas#SENDME_INC}th DATA cell it receives with a circuit SENDME (5,
 * stream 0) whose data is that cell's authenticator ({@link OnionEvent.Data#tag}); a SENDME that
 * acknowledges no cell the sender sent (forged, replayed, early) closes the circuit. Per stream, a
 * sender may have at most {@link #STREAM_WINDOW} cells unacknowledged and the receiving end sends a
 * stream SENDME for every {@link #STREAM_INCREMENT} cells its driver reports {@link #consumed}: a
 * reader that stops reading stops its sender within one stream window, so a circuit's unread bytes
 * at its receiving end stay within {@link #MAX_STREAMS} stream windows, and the bytes in flight on
 * its relays within {@link Vegas#CWND_MAX}, below the engine's per-circuit queue cap (2048 cells).
 * {@link #sendable} tells a driver how much a stream takes now, so it can stop reading its source
 * until a {@link StreamEvent.Writable}. A peer that sends past a stream window, a stream SENDME that
 * would raise a window above its size, a BEGIN towards the originator or more than {@link
 * #MAX_STREAMS} streams breaks the protocol: the circuit is closed and the violation counted.
 *
 * <p>Driving it: hand every {@link OnionEvent.Data} of the engine to {@link #handle} and every
 * {@link OnionEvent.CircuitClosed} / {@link OnionEvent.CircuitFailed} to {@link #circuitGone};
 * commands send through the engine; after each input or command drain {@link #pollEvent()} (and the
 * engine's outputs as the engine says). Not thread-safe.
 */
public final class CircuitStreams {
  /** Relay command: open a stream (data: the target). */
  public static final int BEGIN = 1;
  /** Relay command: stream bytes. */
  public static final int DATA = OnionEngine.RELAY_DATA;
  /** Relay command: the sender is done (reason DONE) or aborts the stream (any other reason). */
  public static final int END = 3;
  /** Relay command: the far end accepted the stream. */
  public static final int CONNECTED = 4;
  /** Relay command: window increment (stream 0: the circuit's). */
  public static final int SENDME = 5;
  /** END reason: no more bytes from this side; the other direction goes on. */
  public static final int DONE = 6;
  /** END reason: the target could not be reached. */
  public static final int UNREACHABLE = 4;
  /** END reason: the target refused the stream. */
  public static final int REFUSED = 2;
  /** END reason: the stream failed after it opened. */
  public static final int FAILED = 1;
  /** END reason seen by this node's driver only: the circuit is gone. */
  public static final int CIRCUIT_GONE = 255;
  /** DATA cells a sender may have unacknowledged per stream. */
  public static final int STREAM_WINDOW = 1000;
  /** Consumed DATA cells per stream SENDME. */
  public static final int STREAM_INCREMENT = 50;
  /** Most streams open on one circuit at once. */
  public static final int MAX_STREAMS = 32;

  private static final class Circuit {
    /** Whether this end opens the streams (the originator, or a rendezvous client). */
    final boolean originated;
    /** A service's rendezvous circuit: originated here, yet the far end opens the streams. */
    boolean rendezvous;
    final Map<Integer, Stream> streams = new TreeMap<>();
    final Vegas vegas = new Vegas();
    long received;
    int nextStream = 1;

    Circuit(boolean originated) {
      this.originated = originated;
    }
  }

  private static final class Stream {
    boolean open;
    boolean sentDone;
    boolean receivedDone;
    boolean blocked;
    int sendWindow = STREAM_WINDOW;
    int receiveWindow = STREAM_WINDOW;
    int consumed;
  }

  private final OnionEngine engine;
  private final Map<Long, Circuit> circuits = new HashMap<>();
  private final ArrayDeque<StreamEvent> events = new ArrayDeque<>();
  private long violations;

  /** Streams over {@code engine}'s circuits. */
  public CircuitStreams(OnionEngine engine) {
    this.engine = engine;
  }

  // Commands

  /**
   * Open a stream on {@code circuit} (built, originated here) towards {@code target}; return its
   * id, or -1 if the circuit is unknown to the engine, the target is over one cell, or the circuit
   * has {@link #MAX_STREAMS} streams. {@link StreamEvent.Connected} or {@link StreamEvent.Ended}
   * follows.
   */
  public int open(long circuit, byte[] target) {
    if (target.length > RelayMessageCodec.MAX_DATA) {
      return -1;
    }
    Circuit c = circuits.computeIfAbsent(circuit, k -> new Circuit(true));
    if (!c.originated || c.streams.size() >= MAX_STREAMS) {
      return -1;
    }
    int id = c.nextStream;
    for (int i = 0; c.streams.containsKey(id) || id == 0; i++) {
      if (i > 0xffff) {
        return -1;
      }
      id = (id % 0xffff) + 1;
    }
    c.nextStream = (id % 0xffff) + 1;
    if (!engine.send(circuit, new RelayMessage(BEGIN, id, target))) {
      circuits.remove(circuit);
      return -1;
    }
    c.streams.put(id, new Stream());
    return id;
  }

  /**
   * Make {@code circuit}, originated here, a hidden service's rendezvous circuit: the client at its
   * far end opens streams on it (a {@link StreamEvent.Begin} follows each) and this end accepts
   * them. Return false if streams are already held for it.
   */
  public boolean serveRendezvous(long circuit) {
    if (circuits.containsKey(circuit)) {
      return false;
    }
    Circuit c = new Circuit(false);
    c.rendezvous = true;
    circuits.put(circuit, c);
    return true;
  }

  /** Accept a stream a {@link StreamEvent.Begin} asked for (send CONNECTED). */
  public void accept(long circuit, int stream) {
    Stream s = stream(circuit, stream);
    if (s != null && !s.open) {
      s.open = true;
      engine.send(circuit, new RelayMessage(CONNECTED, stream, new byte[0]));
    }
  }

  /**
   * Send up to {@code len} bytes of {@code data} from {@code off} on an open stream, as far as both
   * windows allow; return how many were sent (fewer than {@code len}: a {@link
   * StreamEvent.Writable} follows when the windows open again; -1: no such open stream).
   */
  public int write(long circuit, int stream, byte[] data, int off, int len, long nowMicros) {
    Circuit c = circuits.get(circuit);
    Stream s = c == null ? null : c.streams.get(stream);
    if (s == null || !s.open || s.sentDone) {
      return -1;
    }
    int sent = 0;
    while (sent < len && c.vegas.room() > 0 && s.sendWindow > 0) {
      int n = Math.min(RelayMessageCodec.MAX_DATA, len - sent);
      byte[] tag = engine.sendTagged(circuit,
          new RelayMessage(DATA, stream, Arrays.copyOfRange(data, off + sent, off + sent + n)));
      if (tag == null) {
        break;
      }
      c.vegas.sent(tag, nowMicros);
      s.sendWindow--;
      sent += n;
    }
    s.blocked = sent < len;
    return sent;
  }

  /**
   * Return how many bytes {@link #write} would take on a stream now (both windows' room, in whole
   * cells), or -1 if there is no such open stream. A driver whose source has more than this plus a
   * small queue stops reading it until {@link StreamEvent.Writable}.
   */
  public int sendable(long circuit, int stream) {
    Circuit c = circuits.get(circuit);
    Stream s = c == null ? null : c.streams.get(stream);
    if (s == null || !s.open || s.sentDone) {
      return -1;
    }
    return Math.min(c.vegas.room(), Math.max(0, s.sendWindow)) * RelayMessageCodec.MAX_DATA;
  }

  /**
   * The sending window of a circuit as {@link Vegas} holds it.
   *
   * @param cwnd the congestion window in cells
   * @param inflight DATA cells sent and not acknowledged
   * @param slowStart whether the window is still in slow start
   * @param minRttMicros the smallest RTT sample in microseconds (-1 before the first)
   * @param rttMicros the moving average of the RTT samples in microseconds (-1 before the first)
   */
  public record Congestion(int cwnd, int inflight, boolean slowStart, long minRttMicros, long rttMicros) {}

  /** Return the sending window of {@code circuit}, or null if no stream state is held for it. */
  public Congestion congestion(long circuit) {
    Circuit c = circuits.get(circuit);
    if (c == null) {
      return null;
    }
    Vegas v = c.vegas;
    return new Congestion(v.cwnd(), v.inflight(), v.slowStart(), v.minRttMicros(), v.rttMicros());
  }

  /** The driver passed on {@code cells} DATA cells of a stream: acknowledge them when due. */
  public void consumed(long circuit, int stream, int cells) {
    Stream s = stream(circuit, stream);
    if (s == null) {
      return;
    }
    s.consumed += cells;
    while (s.consumed >= STREAM_INCREMENT && !s.receivedDone) {
      s.consumed -= STREAM_INCREMENT;
      s.receiveWindow += STREAM_INCREMENT;
      engine.send(circuit, new RelayMessage(SENDME, stream, new byte[0]));
    }
  }

  /**
   * End a stream: {@link #DONE} says no more bytes from here (the other direction goes on), any
   * other reason aborts it. Unknown streams are ignored.
   */
  public void end(long circuit, int stream, int reason) {
    Circuit c = circuits.get(circuit);
    Stream s = c == null ? null : c.streams.get(stream);
    if (s == null || (s.sentDone && reason == DONE)) {
      return;
    }
    engine.send(circuit, new RelayMessage(END, stream, new byte[] {(byte) reason}));
    s.sentDone = true;
    if (reason != DONE || s.receivedDone) {
      c.streams.remove(stream);
    }
  }

  // Inputs

  /** Take a relay message the engine delivered on a circuit this node is an end of. */
  public void handle(OnionEvent.Data d, long nowMicros) {
    long circuit = d.circuit();
    boolean atOrigin = d.fromHop() >= 0;
    Circuit c = circuits.computeIfAbsent(circuit, k -> new Circuit(atOrigin));
    if (c.originated != atOrigin && !(c.rendezvous && atOrigin)) {
      violation(circuit);
      return;
    }
    int id = d.streamId();
    Stream s = c.streams.get(id);
    switch (d.command()) {
      case BEGIN -> {
        if (c.originated || id == 0 || s != null || c.streams.size() >= MAX_STREAMS) {
          violation(circuit);
          return;
        }
        c.streams.put(id, new Stream());
        events.add(new StreamEvent.Begin(circuit, id, d.data()));
      }
      case CONNECTED -> {
        if (!c.originated || s == null || s.open) {
          violation(circuit);
          return;
        }
        s.open = true;
        events.add(new StreamEvent.Connected(circuit, id));
      }
      case DATA -> onData(c, s, d);
      case END -> {
        if (s == null) {
          return; // ended here already: messages may cross
        }
        int reason = d.data().length > 0 ? d.data()[0] & 0xff : FAILED;
        s.receivedDone = true;
        if (reason != DONE || s.sentDone) {
          c.streams.remove(id);
        }
        events.add(new StreamEvent.Ended(circuit, id, reason));
      }
      case SENDME -> onSendme(c, s, d, nowMicros);
      default -> {
        // Unknown commands are ignored: a newer peer may send more.
      }
    }
  }

  private void onData(Circuit c, Stream s, OnionEvent.Data d) {
    long circuit = d.circuit();
    if (++c.received % Vegas.SENDME_INC == 0) {
      engine.send(circuit, new RelayMessage(SENDME, 0, d.tag()));
    }
    if (s == null) {
      return; // a stream this side ended: its last cells may still arrive
    }
    if (!s.open || s.receivedDone || --s.receiveWindow < 0) {
      violation(circuit);
      return;
    }
    events.add(new StreamEvent.Data(circuit, d.streamId(), d.data()));
  }

  private void onSendme(Circuit c, Stream s, OnionEvent.Data d, long nowMicros) {
    long circuit = d.circuit();
    if (d.streamId() == 0) {
      if (!c.vegas.acked(d.data(), nowMicros)) {
        violation(circuit);
        return;
      }
      for (Map.Entry<Integer, Stream> e : c.streams.entrySet()) {
        wake(circuit, e.getKey(), e.getValue(), c);
      }
    } else if (s != null) {
      s.sendWindow += STREAM_INCREMENT;
      if (s.sendWindow > STREAM_WINDOW) {
        violation(circuit);
        return;
      }
      wake(circuit, d.streamId(), s, c);
    }
  }

  private void wake(long circuit, int id, Stream s, Circuit c) {
    if (s.blocked && s.sendWindow > 0 && c.vegas.room() > 0) {
      s.blocked = false;
      events.add(new StreamEvent.Writable(circuit, id));
    }
  }

  /** The engine reported {@code circuit} closed or failed: every stream on it ends. */
  public void circuitGone(long circuit) {
    Circuit c = circuits.remove(circuit);
    if (c != null) {
      for (int id : c.streams.keySet()) {
        events.add(new StreamEvent.Ended(circuit, id, CIRCUIT_GONE));
      }
    }
  }

  // Outputs

  /** Return the next event, or null. */
  public StreamEvent pollEvent() {
    return events.poll();
  }

  /** Return how many protocol violations closed a circuit. */
  public long violations() {
    return violations;
  }

  /** Return the streams open on {@code circuit}. */
  public int streams(long circuit) {
    Circuit c = circuits.get(circuit);
    return c == null ? 0 : c.streams.size();
  }

  private Stream stream(long circuit, int stream) {
    Circuit c = circuits.get(circuit);
    return c == null ? null : c.streams.get(stream);
  }

  private void violation(long circuit) {
    violations++;
    engine.close(circuit);
    circuitGone(circuit);
  }
}
