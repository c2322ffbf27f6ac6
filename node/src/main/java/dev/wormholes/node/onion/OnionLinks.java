package dev.wormholes.node.onion;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.wormholes.node.runtime.MonotonicClock;
import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.node.stream.ServiceHeader;
import dev.wormholes.onion.cell.ChannelCellCodec;
import dev.wormholes.proto.NodeId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.FixedLengthFrameDecoder;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The onion links of one node: one QUIC stream per neighbour carrying 514-byte channel cells back
 * to back, with their memory bounded.
 *
 * <p><b>Sending.</b> {@link #send} queues a cell for the neighbour's link, or for the link being
 * dialled (at most {@link #MAX_DIAL_BACKLOG} cells); {@link #flush} writes each link's queued cells
 * as one buffer and flushes it (a QUIC stream channel hands every write to its connection at once,
 * so a write per cell would send a packet per cell). Every link counts its <em>queued</em> bytes
 * itself: a cell's bytes are added when it is queued and subtracted when the write carrying it
 * completes (QUIC took it, within the peer's flow-control window) or fails. A cell that would take a link past {@code cap} queued bytes
 * is dropped and counted (a QUIC stream channel's own writability does not bound this: it reports
 * 0 or 8 from {@code bytesBeforeWritable}, whatever is pending). A dropped cell ends its circuit at
 * the next hop (relay crypto chains every cell to the one before), so a neighbour that stops
 * reading costs this node at most {@code cap} bytes plus the QUIC stream window, and only the
 * circuits over that link suffer.
 *
 * <p><b>Liveness.</b> {@link #keepAlive} sends a PADDING cell on every link (through the same cap),
 * closes a link silent for {@link #SILENCE_MS} and one that carried no circuit cell for {@link
 * #IDLE_LINK_MS}. A link that closes, or a dial that fails, is reported to {@code down}.
 *
 * <p><b>One link per neighbour.</b> The engine keys circuits by neighbour and needs each
 * circuit's cells in the order sent (relay crypto chains every cell to the one before), so a
 * circuit's cells must never travel on two links at once. A neighbour has at most one link here,
 * and both ends agree which: when a second link to the same neighbour appears ({@link #attach}),
 * one dialled by the same side as the held one (it lost the old one and dialled again) takes its
 * place, and of two dialled by different sides (both dialled at once) the one dialled by the
 * smaller node id wins; a held link that is no longer active always gives way. The loser is closed
 * (an accepted one refused). Replacing a held link is a link down for the owner first ({@link
 * Owner#down}: every circuit over the neighbour ends rather than going on over the new link out of
 * order), and cells read from a link no longer held are dropped and counted, so no cell of a
 * circuit that lived on the old link reaches the engine after the switch.
 *
 * <p><b>Receiving.</b> The cells of one read of a link reach the owner as one task ({@link
 * Owner#cells}), so the owner handles a burst and flushes what it sends once.
 *
 * <p>Loop only: every method runs on the node's loop; channel callbacks come back to it through
 * {@code execute}.
 */
final class OnionLinks {
  private static final Logger LOG = LoggerFactory.getLogger(OnionLinks.class);
  static final long SILENCE_MS = 8_000;
  /** A link with no circuit cell for this long is closed. */
  static final long IDLE_LINK_MS = 300_000;
  /** Cells waiting for a link being dialled, per neighbour. */
  static final int MAX_DIAL_BACKLOG = 4_096;
  /** Queued (written, not yet taken by QUIC) bytes per link in the daemon. */
  static final long MAX_LINK_QUEUED = 8L << 20;
  private static final byte[] PADDING = new byte[ChannelCellCodec.CELL_BYTES];

  /** What links report to their owner, on the loop. */
  interface Owner {
    /** Cells other than PADDING arrived from {@code peer}, in the order sent (one read's worth). */
    void cells(NodeId peer, List<byte[]> cells);

    /** The link to {@code peer} closed, or could not be dialled. */
    void down(NodeId peer);
  }

  /** A link's state, loop only. */
  private static final class Link {
    final NodeId peer;
    final Channel channel;
    /** Whether this node dialled the link (else the peer did). */
    final boolean dialledHere;
    long heardAt;
    long usedAt;
    long queued;
    long dropped;
    /** Cells written since the last flush, sent as one write by {@link #flushLink}. */
    final List<byte[]> unflushed = new ArrayList<>();

    Link(NodeId peer, Channel channel, boolean dialledHere, long now) {
      this.peer = peer;
      this.channel = channel;
      this.dialledHere = dialledHere;
      this.heardAt = now;
      this.usedAt = now;
    }
  }

  private final NodeId self;
  private final EventLoop loop;
  private final Consumer<Runnable> execute;
  private final Function<NodeId, CompletableFuture<SecureStream>> dial;
  private final Owner owner;
  private final long cap;
  private final Map<NodeId, Link> links = new HashMap<>();
  private final Map<NodeId, ArrayDeque<byte[]>> dialing = new HashMap<>();
  private final Set<Link> toFlush = new HashSet<>();
  private long droppedOverCap;
  private long droppedDialling;
  private long droppedOldLink;
  private long duplicateLinks;

  /**
   * Links of {@code self} run on {@code loop}; {@code execute} runs a task there (the owner's
   * guard); {@code dial} opens a link stream to a neighbour; {@code cap} is the most bytes a link
   * queues.
   */
  OnionLinks(NodeId self, EventLoop loop, Consumer<Runnable> execute, Function<NodeId, CompletableFuture<SecureStream>> dial,
      Owner owner, long cap) {
    if (cap < ChannelCellCodec.CELL_BYTES) {
      throw new IllegalArgumentException("cap below one cell: " + cap);
    }
    this.self = self;
    this.loop = loop;
    this.execute = execute;
    this.dial = dial;
    this.owner = owner;
    this.cap = cap;
  }

  /**
   * Make {@code s} (a link stream this node dialled or accepted) the link to its peer, start it (an
   * accepted one answered OK first, so no cell goes before the answer) and send what waited for
   * it; unless the link held for the peer keeps its place (see the class comment): then {@code s}
   * is refused (accepted) or closed (dialled). A held link that gives way is closed and reported
   * down before {@code s} carries a cell.
   */
  void attach(SecureStream s) {
    NodeId peer = s.peer();
    Channel ch = s.channel();
    boolean dialledHere = !s.incoming();
    Link held = links.get(peer);
    if (held != null && !replaces(dialledHere, held)) {
      duplicateLinks++;
      LOG.debug("onion link to {}: keeping the link {} dialled, closing the one {} dialled", peer,
          held.dialledHere ? "this node" : "it", dialledHere ? "this node" : "it");
      if (dialledHere) {
        ch.close();
      } else {
        s.refuse(ServiceHeader.Status.UNAVAILABLE, "the onion link this node dialled to you is the one in use");
      }
      return;
    }
    Link link = new Link(peer, ch, dialledHere, MonotonicClock.now());
    links.put(peer, link);
    if (held != null) {
      duplicateLinks++;
      toFlush.remove(held);
      held.unflushed.clear();
      held.channel.close();
      owner.down(peer); // its circuits end here: none goes on over the new link
    }
    ch.pipeline().addLast(new FixedLengthFrameDecoder(ChannelCellCodec.CELL_BYTES), new LinkReader(link));
    ch.closeFuture().addListener(f -> execute.accept(() -> closed(link)));
    if (dialledHere) {
      s.start();
    } else {
      s.accept();
    }
    ArrayDeque<byte[]> waiting = dialing.remove(peer);
    if (waiting != null) {
      waiting.forEach(cell -> write(link, cell));
      flushLink(link);
    }
  }

  /**
   * Whether a new link to {@code held}'s peer ({@code dialledHere}: dialled by this node) takes
   * {@code held}'s place. Both ends decide alike: the same rule on the same two links.
   */
  private boolean replaces(boolean dialledHere, Link held) {
    if (!held.channel.isActive() || dialledHere == held.dialledHere) {
      return true; // the held one is gone, or the side that dialled it lost it and dialled again
    }
    boolean smallerHere = self.compareTo(held.peer) < 0;
    return dialledHere == smallerHere; // both dialled at once: the smaller id's dial wins
  }

  /** Send {@code cell} to {@code peer}: on its link, or once the link is dialled. */
  void send(NodeId peer, byte[] cell) {
    Link link = links.get(peer);
    if (link != null && link.channel.isActive()) {
      link.usedAt = MonotonicClock.now();
      if (write(link, cell)) {
        toFlush.add(link);
      }
      return;
    }
    ArrayDeque<byte[]> q = dialing.get(peer);
    if (q != null) {
      if (q.size() < MAX_DIAL_BACKLOG) {
        q.add(cell);
      } else {
        droppedDialling++;
      }
      return;
    }
    q = new ArrayDeque<>();
    q.add(cell);
    dialing.put(peer, q);
    dial.apply(peer).whenComplete((s, err) -> execute.accept(() -> {
      if (err != null) {
        dialing.remove(peer);
        LOG.info("onion link to {} failed: {}", peer, OnionAgent.rootMessage(err));
        if (!links.containsKey(peer)) { // else the link the peer dialled meanwhile carries on
          owner.down(peer);
        }
        return;
      }
      attach(s);
    }));
  }

  /**
   * Queue {@code cell} for {@code link} unless that takes it past the cap (counting what waits for
   * the next flush); return whether queued.
   */
  private boolean write(Link link, byte[] cell) {
    int n = cell.length;
    if (link.queued + n > cap) {
      link.dropped++;
      droppedOverCap++;
      return false;
    }
    link.queued += n;
    link.unflushed.add(cell);
    return true;
  }

  /**
   * Write the cells queued for {@code link} as one buffer and flush: a QUIC stream hands every
   * write to the connection at once, so one write per cell would make one packet per cell.
   */
  private void flushLink(Link link) {
    if (link.unflushed.isEmpty()) {
      return;
    }
    long n = link.unflushed.stream().mapToLong(cell -> cell.length).sum();
    ByteBuf cells = Unpooled.wrappedBuffer(link.unflushed.toArray(new byte[0][]));
    link.unflushed.clear();
    link.channel.writeAndFlush(cells).addListener(f -> {
      if (loop.inEventLoop()) {
        link.queued -= n;
      } else {
        loop.execute(() -> link.queued -= n);
      }
    });
  }

  /** Flush the links written since the last flush. */
  void flush() {
    for (Link link : toFlush) {
      flushLink(link);
    }
    toFlush.clear();
  }

  /** PADDING on every link; close the silent and the idle ones. */
  void keepAlive(long now) {
    for (Link link : List.copyOf(links.values())) {
      if (now - link.heardAt > SILENCE_MS) {
        LOG.info("onion link to {} silent for {} ms: closing it", link.peer, now - link.heardAt);
        link.channel.close();
      } else if (now - link.usedAt > IDLE_LINK_MS) {
        link.channel.close();
      } else if (write(link, PADDING)) {
        flushLink(link);
      }
    }
  }

  private void closed(Link link) {
    if (links.get(link.peer) != link) {
      return; // a newer link to the same peer took its place
    }
    links.remove(link.peer);
    owner.down(link.peer);
  }

  private void received(Link link, List<byte[]> batch) {
    if (links.get(link.peer) != link) {
      droppedOldLink += batch.size(); // its circuits ended when it was replaced or closed
      return;
    }
    long now = MonotonicClock.now();
    link.heardAt = now;
    batch.removeIf(OnionLinks::isPadding);
    if (!batch.isEmpty()) {
      link.usedAt = now;
      owner.cells(link.peer, batch);
    }
  }

  private static boolean isPadding(byte[] cell) {
    return cell[0] == 0 && cell[1] == 0 && cell[2] == 0 && cell[3] == 0 && cell[4] == 0;
  }

  /** Return the bytes queued on the link to {@code peer} (0 without one). */
  long queued(NodeId peer) {
    Link link = links.get(peer);
    return link == null ? 0 : link.queued;
  }

  /** Return the cells dropped: over a link's cap, over a dial backlog, and read from a link no longer held. */
  long dropped() {
    return droppedOverCap + droppedDialling + droppedOldLink;
  }

  /** Return the channel of the link held for {@code peer}, or null. */
  Channel channel(NodeId peer) {
    Link link = links.get(peer);
    return link == null ? null : link.channel;
  }

  /**
   * Write the links ({@code links}: peer, who dialled, queued bytes, cells dropped), the drop
   * counters and the links closed as duplicates into {@code o}.
   */
  void status(JsonObject o) {
    JsonArray list = new JsonArray();
    links.values().forEach(link -> {
      JsonObject l = new JsonObject();
      l.addProperty("peer", link.peer.toString());
      l.addProperty("dialledHere", link.dialledHere);
      l.addProperty("queuedBytes", link.queued);
      l.addProperty("cellsDropped", link.dropped);
      list.add(l);
    });
    o.add("links", list);
    o.addProperty("linkCapBytes", cap);
    o.addProperty("cellsDropped", dropped());
    o.addProperty("cellsDroppedOverCap", droppedOverCap);
    o.addProperty("cellsDroppedDialling", droppedDialling);
    o.addProperty("cellsDroppedOldLink", droppedOldLink);
    o.addProperty("duplicateLinks", duplicateLinks);
  }

  /**
   * Collects the cells of one read of the link's channel and hands them to the owner's loop as one
   * task when the read completes (or every {@link #MAX_BATCH} cells), so a burst costs one task and
   * one flush of the links it fed, not one per cell.
   */
  private final class LinkReader extends ChannelInboundHandlerAdapter {
    /** Most cells handed over in one task. */
    static final int MAX_BATCH = 512;
    private final Link link;
    // The channel's loop only.
    private List<byte[]> batch = new ArrayList<>();

    LinkReader(Link link) {
      this.link = link;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof ByteBuf b) {
          byte[] cell = new byte[b.readableBytes()];
          b.readBytes(cell);
          batch.add(cell);
          if (batch.size() >= MAX_BATCH) {
            handOver();
          }
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      handOver();
      ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      handOver();
      ctx.fireChannelInactive();
    }

    private void handOver() {
      if (!batch.isEmpty()) {
        List<byte[]> cells = batch;
        batch = new ArrayList<>();
        execute.accept(() -> received(link, cells));
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
