package dev.wormholes.node.onion;

import dev.wormholes.node.stream.StreamEnds;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One onion stream joined to a local duplex channel (a SOCKS client's TCP socket, or at the exit
 * the QUIC stream to the target): the channel's bytes go into the circuit as far as its windows
 * allow, the rest waits here, and the channel stops reading once more than {@link #PAUSE_BYTES}
 * beyond what the windows take wait (decided on the channel's own loop as each read arrives: a QUIC
 * stream on the agent's loop reads its whole receive buffer in one go before any task of the agent
 * runs); the agent resumes it when SENDMEs opened the windows and the queue went below the mark;
 * the circuit's bytes are written to the channel and reported consumed (so acknowledged by a
 * SENDME) only once the channel took them, so a slow reader stops the far sender. A FIN either way
 * becomes a half-close the other way; the channel is closed once both ended (its own FIN written
 * after every byte of the far end). A stream that ends any other way (the far end aborted it, its
 * circuit broke) aborts the channel ({@link StreamEnds#abort}: a TCP client reads "connection
 * reset"), so a stream cut short never looks finished.
 *
 * <p>The handler runs on the channel's loop and hands everything to the agent's loop, the reads of
 * one burst as one task; the agent calls the other methods on its own loop, queueing a drain's
 * cells with {@link #write} and writing them in one go with {@link #flush}.
 */
final class StreamBridge extends ChannelInboundHandlerAdapter {
  /** Bytes waiting for the circuit's window above which the channel stops reading. */
  static final int PAUSE_BYTES = 64 * 1024;

  /** What a bridge hands to the agent that owns it (on the agent's loop, through {@link #execute}). */
  interface Agent {
    /** Run {@code task} on the agent's loop. */
    void execute(Runnable task);

    /** The channel read {@code reads} (one burst, in order). */
    void fromChannel(StreamBridge b, List<byte[]> reads);

    /** The channel's input ended (FIN). */
    void channelInputEnded(StreamBridge b);

    /** The channel closed. */
    void channelGone(StreamBridge b);

    /** The channel took {@code cells} cells' bytes. */
    void consumed(StreamBridge b, int cells);
  }

  final long circuit;
  final int stream;
  final DuplexChannel channel;
  private final Agent agent;
  // Agent loop only.
  final ArrayDeque<byte[]> backlog = new ArrayDeque<>();
  int backlogBytes;
  boolean inputEnded;
  boolean endSent;
  /** The far end sent END(DONE). */
  boolean endReceived;
  /** The channel's output ended: every byte of the far end and then the FIN went out. */
  boolean outputEnded;
  boolean gone;
  /** Cells' bytes for the channel, written by the next {@link #flush} (agent loop). */
  private final List<byte[]> unwritten = new ArrayList<>();
  /** Reads not yet handed to the agent (channel loop). */
  private List<byte[]> reads = new ArrayList<>();
  /** Bytes read from the channel and not yet sent into the circuit (channel loop adds, agent subtracts). */
  private final AtomicLong unsent = new AtomicLong();
  /** What the circuit's windows took at the agent's last look ({@code CircuitStreams.sendable}). */
  private volatile int room;
  /** This bridge stopped the channel's reading (written on the channel's loop only). */
  private volatile boolean paused;
  /** The last write to the channel (channel writes complete in order). */
  private volatile io.netty.channel.ChannelFuture lastWrite;

  StreamBridge(Agent agent, long circuit, int stream, DuplexChannel channel) {
    this.agent = agent;
    this.circuit = circuit;
    this.stream = stream;
    this.channel = channel;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf b)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    byte[] bytes = new byte[b.readableBytes()];
    b.readBytes(bytes);
    b.release();
    read(bytes.length);
    reads.add(bytes);
    if (!paused && overFull()) {
      paused = true;
      ctx.channel().config().setAutoRead(false);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    handOver();
    ctx.fireChannelReadComplete();
  }

  /** Hand the reads since the last hand-over to the agent as one task (channel loop). */
  private void handOver() {
    if (!reads.isEmpty()) {
      List<byte[]> batch = reads;
      reads = new ArrayList<>();
      agent.execute(() -> agent.fromChannel(this, batch));
    }
  }

  /** Count {@code n} bytes taken from the channel for the circuit. */
  void read(int n) {
    unsent.addAndGet(n);
  }

  private boolean overFull() {
    return unsent.get() - room >= PAUSE_BYTES;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      handOver();
      agent.execute(() -> agent.channelInputEnded(this));
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    handOver();
    agent.execute(() -> agent.channelGone(this));
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  /** Queue one cell's bytes for the channel; {@link #flush} writes what is queued. */
  void write(byte[] data) {
    unwritten.add(data);
  }

  /**
   * Write the queued cells' bytes to the channel in one write and flush (agent loop); report them
   * consumed, as many cells as they were, once the channel took them. Return whether anything was
   * written.
   */
  boolean flush() {
    if (unwritten.isEmpty()) {
      return false;
    }
    int cells = unwritten.size();
    io.netty.channel.ChannelFuture w =
        channel.writeAndFlush(Unpooled.wrappedBuffer(unwritten.toArray(new byte[0][])));
    unwritten.clear();
    lastWrite = w;
    w.addListener(f -> {
      if (f.isSuccess()) {
        agent.execute(() -> agent.consumed(this, cells));
      } else {
        channel.close();
      }
    });
    return true;
  }

  /**
   * The agent sent {@code bytes} of the channel's into the circuit (or dropped them with the
   * stream) and the windows now take {@code room} more: if this bridge paused the channel and the
   * queue is below the mark, resume it (decided on the channel's loop, with the counts as they are
   * then). A paused QUIC stream stops granting its sender credit, a paused TCP socket fills its
   * receive buffer: the source waits, not this node.
   */
  void sent(int bytes, int room) {
    unsent.addAndGet(-bytes);
    this.room = room;
    if (!paused) {
      return; // a pause is always followed by a fromChannel task, whose pump comes here again
    }
    channel.eventLoop().execute(() -> {
      if (paused && !overFull()) {
        paused = false;
        if (channel.isActive() && !channel.isInputShutdown()) {
          channel.config().setAutoRead(true);
        }
      }
    });
  }

  /**
   * The far end is done sending: end the channel's output once every write went out (ending it
   * earlier would fail the writes still queued, cutting the stream short); only then may the
   * channel close ({@link #closeIfDone}).
   */
  void endOutput() {
    endReceived = true;
    io.netty.channel.ChannelFuture w = lastWrite;
    Runnable end = () -> StreamEnds.endOutput(channel).addListener(f -> agent.execute(() -> {
      if (f.isSuccess()) {
        outputEnded = true;
        closeIfDone();
      } else {
        StreamEnds.abort(channel);
      }
    }));
    if (w == null) {
      end.run();
    } else {
      w.addListener(f -> end.run());
    }
  }

  /** Close the channel once both directions ended (END sent, and the channel's FIN written). */
  void closeIfDone() {
    if (outputEnded && endSent) {
      channel.close();
    }
  }
}
