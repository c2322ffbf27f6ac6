package dev.wormholes.node.onion;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.wormholes.node.runtime.MonotonicClock;
import dev.wormholes.node.stream.StreamEnds;
import dev.wormholes.onion.stream.CircuitStreams;
import io.netty.buffer.ByteBuf;
import io.netty.channel.socket.DuplexChannel;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The onion streams of one {@link OnionAgent} joined to local channels ({@link StreamBridge}s): a
 * channel's bytes go into the circuit as far as the windows take ({@link #pump}), a cell's bytes
 * go to the channel, written once per drain of the agent ({@link #flush}), the ends both ways,
 * and the windows of the circuits bridged here for {@code /v1/circuits} ({@link #status}).
 *
 * <p>Loop only: every method runs on the agent's loop; {@code drain} is the agent's drain of its
 * engine's outputs, run after each input from a channel.
 */
final class Bridges implements StreamBridge.Agent {
  private static final Logger LOG = LoggerFactory.getLogger(Bridges.class);

  /** One stream of one circuit. */
  record Key(long circuit, int stream) {}

  private final CircuitStreams streams;
  private final Consumer<Runnable> execute;
  private final Runnable drain;
  private final Map<Key, StreamBridge> bridges = new HashMap<>();
  /** Bridges with cells queued for their channel in this drain. */
  private final Set<StreamBridge> unflushed = new HashSet<>();

  /** Bridges of {@code streams}; {@code execute} runs a task on the agent's loop; {@code drain} drains the engine. */
  Bridges(CircuitStreams streams, Consumer<Runnable> execute, Runnable drain) {
    this.streams = streams;
    this.execute = execute;
    this.drain = drain;
  }

  @Override
  public void execute(Runnable task) {
    execute.accept(task);
  }

  /** Return the bridge of {@code key}, or null. */
  StreamBridge get(Key key) {
    return bridges.get(key);
  }

  /**
   * Join stream {@code stream} of {@code circuit} to {@code ch} (whose first bytes, if any, are
   * {@code early}, released here) and return the bridge; {@code ch} is read once its auto-read is on.
   */
  StreamBridge join(long circuit, int stream, DuplexChannel ch, ByteBuf early) {
    StreamBridge b = new StreamBridge(this, circuit, stream, ch);
    bridges.put(new Key(circuit, stream), b);
    ch.pipeline().addLast(b);
    if (early != null) {
      byte[] bytes = new byte[early.readableBytes()];
      early.readBytes(bytes);
      early.release();
      b.read(bytes.length);
      fromChannel(b, List.of(bytes));
    }
    return b;
  }

  /** Bytes {@code b}'s channel read (one read's worth, in order): into the circuit as far as it takes. */
  @Override
  public void fromChannel(StreamBridge b, List<byte[]> reads) {
    if (b.gone) {
      return;
    }
    for (byte[] bytes : reads) {
      b.backlog.add(bytes);
      b.backlogBytes += bytes.length;
    }
    pump(b);
    drain.run();
  }

  /**
   * Send what the windows allow from {@code b}'s backlog and tell the bridge what went and what the
   * windows take now ({@link CircuitStreams#sendable}), so its channel reads only while the bytes
   * beyond that stay under {@link StreamBridge#PAUSE_BYTES}: a source faster than the circuit waits
   * in its own socket or QUIC stream (whose flow control stops its sender), not in this node's heap.
   */
  void pump(StreamBridge b) {
    long now = MonotonicClock.nowMicros();
    int before = b.backlogBytes;
    while (!b.backlog.isEmpty()) {
      byte[] head = b.backlog.peekFirst();
      int sent = streams.write(b.circuit, b.stream, head, 0, head.length, now);
      if (sent < 0) {
        b.backlog.clear();
        b.backlogBytes = 0;
        break;
      }
      b.backlogBytes -= sent;
      b.backlog.pollFirst();
      if (sent < head.length) {
        b.backlog.addFirst(Arrays.copyOfRange(head, sent, head.length));
        break;
      }
    }
    b.sent(before - b.backlogBytes, Math.max(0, streams.sendable(b.circuit, b.stream)));
    if (b.backlog.isEmpty() && b.inputEnded && !b.endSent) {
      b.endSent = true;
      streams.end(b.circuit, b.stream, CircuitStreams.DONE);
      if (b.endReceived || b.gone) {
        bridges.remove(new Key(b.circuit, b.stream));
      }
      b.closeIfDone();
    }
  }

  @Override
  public void channelInputEnded(StreamBridge b) {
    b.inputEnded = true;
    pump(b);
    drain.run();
  }

  /** {@code b}'s channel took {@code cells} cells' bytes. */
  @Override
  public void consumed(StreamBridge b, int cells) {
    streams.consumed(b.circuit, b.stream, cells);
    drain.run();
  }

  /**
   * The local channel closed. Once the far end's bytes all went out to it (output ended) that is a
   * normal end: what the channel sent and still waits for the windows goes on, then END(DONE).
   * Before that, bytes of the far end were not delivered: the stream is aborted (END FAILED).
   */
  @Override
  public void channelGone(StreamBridge b) {
    b.gone = true;
    Key key = new Key(b.circuit, b.stream);
    if (bridges.get(key) != b) {
      return;
    }
    if (b.outputEnded) {
      if (!b.inputEnded) {
        channelInputEnded(b); // closed without a FIN after reading everything: the same end
      } else if (b.endSent) {
        bridges.remove(key);
      }
      return;
    }
    bridges.remove(key);
    LOG.info("onion stream {}/{}: its local channel closed before the far end's bytes all went out to it",
        b.circuit, b.stream);
    streams.end(b.circuit, b.stream, CircuitStreams.FAILED);
    drain.run();
  }

  /** Queue a cell's bytes for {@code b}'s channel; the end of this drain writes them. */
  void toChannel(StreamBridge b, byte[] data) {
    b.write(data);
    unflushed.add(b);
  }

  /** The far end of {@code b}'s stream finished sending: end the channel's output after its bytes. */
  void endReceived(Key key, StreamBridge b) {
    b.flush();
    b.endOutput();
    if (b.endSent) {
      bridges.remove(key);
    }
  }

  /** The stream of {@code key} was cut short: reset its channel so the local side cannot read it as an end. */
  void abort(Key key) {
    StreamBridge b = bridges.remove(key);
    if (b != null) {
      b.gone = true;
      StreamEnds.abort(b.channel);
    }
  }

  /** Write what this drain queued for each channel. */
  void flush() {
    for (StreamBridge b : unflushed) {
      b.flush();
    }
    unflushed.clear();
  }

  /**
   * Write {@code windows} (the sending window of every circuit with a stream bridged here, at either
   * end) and {@code streamBacklogBytes} (bytes read from channels, waiting for a window) into {@code o}.
   */
  void status(JsonObject o) {
    JsonArray windows = new JsonArray();
    bridges.values().stream().mapToLong(b -> b.circuit).distinct().forEach(h -> {
      CircuitStreams.Congestion cc = streams.congestion(h);
      if (cc != null) {
        JsonObject w = new JsonObject();
        w.addProperty("circuit", h);
        w.addProperty("cwndCells", cc.cwnd());
        w.addProperty("inflightCells", cc.inflight());
        w.addProperty("slowStart", cc.slowStart());
        w.addProperty("rttMs", cc.rttMicros() < 0 ? -1 : cc.rttMicros() / 1e3);
        w.addProperty("minRttMs", cc.minRttMicros() < 0 ? -1 : cc.minRttMicros() / 1e3);
        windows.add(w);
      }
    });
    o.add("windows", windows);
    o.addProperty("streamBacklogBytes", bridges.values().stream().mapToLong(b -> b.backlogBytes).sum());
  }
}
