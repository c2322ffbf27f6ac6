package dev.wormholes.node.onion;

import static dev.wormholes.node.stream.StreamTestSupport.newIdentity;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.wormholes.node.stream.Exposure;
import dev.wormholes.node.stream.StreamTestSupport;
import dev.wormholes.node.stream.StreamTransport;
import dev.wormholes.onion.cell.ChannelCellCodec;
import dev.wormholes.proto.NodeId;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A link whose peer stops reading: the cells this node keeps for it stay within the link's cap
 * (counted by the links, and measured on the stream channel itself), the rest are dropped and
 * counted, and the count returns to 0 once the peer reads again. A flush of many cells is one
 * write on the link (so QUIC packs them into few packets) and reaches the peer's owner in a few
 * tasks, not one per cell. Two nodes that dial each other at once end with one link, the one the
 * smaller id dialled, at both ends, and the cells of a circuit reach the far end in the order sent.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OnionLinksTest {
  private static final String SERVICE = "wh-onion-cap";
  private static final long CAP = 512 << 10;
  /** Cells offered in all: 8x the cap. */
  private static final int CELLS = (int) (8 * CAP / ChannelCellCodec.CELL_BYTES);
  private static final int BATCH = 256;

  private StreamTransport a;
  private StreamTransport b;

  @AfterEach
  void stop() {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
  }

  @Test
  void aLinkWhosePeerNeverReadsQueuesAtMostTheCapAndCountsTheDrops() throws Exception {
    StreamTestSupport.quietLogs();
    a = StreamTransport.builder(newIdentity()).build();
    b = StreamTransport.builder(newIdentity()).windows(1 << 20, 256 << 10).build();
    CompletableFuture<Channel> far = new CompletableFuture<>();
    AtomicInteger read = new AtomicInteger();
    b.expose(SERVICE, Exposure.open(s -> {
      s.channel().pipeline().addLast(new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
          read.incrementAndGet();
          ReferenceCountUtil.release(msg);
        }
      });
      s.accept();
      s.channel().eventLoop().execute(() -> { // after accept's start: the peer stops reading
        s.channel().config().setAutoRead(false);
        far.complete(s.channel());
      });
    }));

    EventLoop loop = a.socketLoop();
    CompletableFuture<Channel> near = new CompletableFuture<>();
    AtomicInteger downs = new AtomicInteger();
    OnionLinks links = new OnionLinks(a.nodeId(), loop, loop::execute,
        peer -> a.connect(b.localAddress(), b.nodeId(), SERVICE, 0).thenApply(s -> {
          near.complete(s.channel());
          return s;
        }),
        new OnionLinks.Owner() {
          @Override
          public void cells(NodeId peer, java.util.List<byte[]> cells) {}

          @Override
          public void down(NodeId peer) {
            downs.incrementAndGet();
          }
        }, CAP);
    NodeId peer = b.nodeId();
    byte[] cell = new byte[ChannelCellCodec.CELL_BYTES];
    Arrays.fill(cell, (byte) 7);

    on(loop, () -> {
      links.send(peer, cell); // dials
      links.flush();
      return null;
    });
    Channel link = near.get(20, TimeUnit.SECONDS);
    far.get(20, TimeUnit.SECONDS);
    Pending pending = new Pending();
    on(loop, () -> link.pipeline().addFirst(pending));

    AtomicInteger offered = new AtomicInteger(1);
    long[] most = new long[2]; // queued bytes by the links' count, and as the channel sees them
    Awaitility.await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(20)).until(() -> on(loop, () -> {
      for (int i = 0; i < BATCH && offered.get() < CELLS; i++, offered.incrementAndGet()) {
        links.send(peer, cell);
        most[0] = Math.max(most[0], links.queued(peer));
        most[1] = Math.max(most[1], pending.bytes);
      }
      links.flush();
      return offered.get() >= CELLS;
    }));

    long dropped = on(loop, links::dropped);
    assertTrue(most[1] <= CAP, "bytes pending on the channel " + most[1] + " > cap " + CAP);
    assertTrue(most[0] <= CAP, "queued bytes by count " + most[0] + " > cap " + CAP);
    assertTrue(dropped > CELLS / 2, "dropped " + dropped + " of " + CELLS);
    JsonObject status = on(loop, () -> {
      JsonObject o = new JsonObject();
      links.status(o);
      return o;
    });
    assertEquals(dropped, status.get("cellsDroppedOverCap").getAsLong());
    assertEquals(dropped, status.getAsJsonArray("links").get(0).getAsJsonObject().get("cellsDropped").getAsLong());
    assertEquals(0, downs.get(), "the link stays up");

    Channel farChannel = far.get();
    farChannel.eventLoop().execute(() -> farChannel.config().setAutoRead(true)); // the peer reads again
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> on(loop, () -> links.queued(peer)) == 0L);
    assertTrue(read.get() > 0);
  }

  @Test
  void aFlushOfManyCellsIsOneWriteAndReachesThePeerInFewBatches() throws Exception {
    StreamTestSupport.quietLogs();
    a = StreamTransport.builder(newIdentity()).build();
    b = StreamTransport.builder(newIdentity()).build();
    EventLoop farLoop = b.socketLoop();
    List<Integer> batches = new CopyOnWriteArrayList<>(); // cells per task at the far end
    OnionLinks farLinks = new OnionLinks(b.nodeId(), farLoop, farLoop::execute,
        peer -> CompletableFuture.failedFuture(new IllegalStateException("the far end does not dial")),
        new OnionLinks.Owner() {
          @Override
          public void cells(NodeId peer, List<byte[]> cells) {
            batches.add(cells.size());
          }

          @Override
          public void down(NodeId peer) {}
        }, CAP);
    b.expose(SERVICE, Exposure.open(s -> farLoop.execute(() -> {
      farLinks.attach(s);
    })));

    EventLoop loop = a.socketLoop();
    CompletableFuture<Channel> near = new CompletableFuture<>();
    OnionLinks links = new OnionLinks(a.nodeId(), loop, loop::execute,
        peer -> a.connect(b.localAddress(), b.nodeId(), SERVICE, 0).thenApply(s -> {
          near.complete(s.channel());
          return s;
        }),
        new OnionLinks.Owner() {
          @Override
          public void cells(NodeId peer, List<byte[]> cells) {}

          @Override
          public void down(NodeId peer) {}
        }, CAP);
    NodeId peer = b.nodeId();
    byte[] cell = new byte[ChannelCellCodec.CELL_BYTES];
    Arrays.fill(cell, (byte) 7);
    on(loop, () -> {
      links.send(peer, cell); // dials
      links.flush();
      return null;
    });
    Channel link = near.get(20, TimeUnit.SECONDS);
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> cellsIn(batches) == 1);

    int burst = 256;
    Writes writes = new Writes();
    on(loop, () -> {
      link.pipeline().addFirst(writes);
      for (int i = 0; i < burst; i++) {
        links.send(peer, cell);
      }
      links.flush();
      return null;
    });
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> cellsIn(batches) == 1 + burst);
    assertEquals(1, on(loop, () -> writes.count), "one write for the flush's cells");
    int tasks = batches.size() - 1;
    assertTrue(tasks <= burst / 8, burst + " cells reached the far end in " + tasks + " tasks");
  }

  @Test
  void twoNodesDiallingEachOtherAtOnceKeepOneLinkAndACircuitsCellsInOrder() throws Exception {
    StreamTestSupport.quietLogs();
    a = StreamTransport.builder(newIdentity()).build();
    b = StreamTransport.builder(newIdentity()).build();
    CompletableFuture<Void> go = new CompletableFuture<>(); // both dial only once both are dialling
    Side sa = new Side(a, b, go);
    Side sb = new Side(b, a, go);
    on(sa.loop, () -> sa.sendNext(b.nodeId()));
    on(sb.loop, () -> sb.sendNext(a.nodeId()));
    go.complete(null);

    // Until each end holds the stream the smaller id dialled and every other stream is closed at
    // both ends, both keep sending numbered cells of one circuit.
    Side smaller = a.nodeId().compareTo(b.nodeId()) < 0 ? sa : sb;
    Side larger = smaller == sa ? sb : sa;
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
      on(sa.loop, () -> sa.sendNext(b.nodeId()));
      on(sb.loop, () -> sb.sendNext(a.nodeId()));
      Channel atSmaller = on(smaller.loop, () -> smaller.links.channel(larger.id));
      Channel atLarger = on(larger.loop, () -> larger.links.channel(smaller.id));
      return !smaller.accepted.isEmpty() && !larger.accepted.isEmpty() // each dial reached the far end
          && !smaller.dialled.isEmpty() && atSmaller == smaller.dialled.get(0) && atLarger == larger.accepted.get(0)
          && Stream.of(sa.dialled, sa.accepted, sb.dialled, sb.accepted).flatMap(List::stream)
              .filter(Channel::isActive).count() == 2;
    });
    int[] upTo = {on(sa.loop, () -> sa.sendNext(b.nodeId())), on(sb.loop, () -> sb.sendNext(a.nodeId()))};
    Awaitility.await().atMost(Duration.ofSeconds(20))
        .until(() -> last(sb.received) == upTo[0] && last(sa.received) == upTo[1]);
    for (Side s : List.of(sa, sb)) {
      for (int i = 1; i < s.received.size(); i++) {
        assertTrue(s.received.get(i) > s.received.get(i - 1), "out of order: " + s.received);
      }
    }
  }

  private static int last(List<Integer> seqs) {
    return seqs.isEmpty() ? -1 : seqs.get(seqs.size() - 1);
  }

  /** One node's links in the simultaneous-dial test: the streams it dialled and accepted, the cells it got. */
  private static final class Side {
    static final int PER_TURN = 8;
    final NodeId id;
    final EventLoop loop;
    final OnionLinks links;
    final List<Channel> dialled = new CopyOnWriteArrayList<>();
    final List<Channel> accepted = new CopyOnWriteArrayList<>();
    /** Sequence numbers of the circuit's cells, in the order they reached the owner. */
    final List<Integer> received = new CopyOnWriteArrayList<>();
    // The loop only.
    int next;

    Side(StreamTransport self, StreamTransport far, CompletableFuture<Void> go) {
      id = self.nodeId();
      loop = self.socketLoop();
      links = new OnionLinks(self.nodeId(), loop, loop::execute,
          peer -> go.thenCompose(v -> self.connect(far.localAddress(), far.nodeId(), SERVICE, 0)).thenApply(s -> {
            dialled.add(s.channel());
            return s;
          }),
          new OnionLinks.Owner() {
            @Override
            public void cells(NodeId peer, List<byte[]> cells) {
              cells.forEach(c -> received.add(ByteBuffer.wrap(c, 8, 4).getInt()));
            }

            @Override
            public void down(NodeId peer) {}
          }, CAP);
      self.expose(SERVICE, Exposure.open(s -> loop.execute(() -> {
        accepted.add(s.channel());
        links.attach(s);
      })));
    }

    /** Send the circuit's next {@link #PER_TURN} cells to {@code peer}; return the last number sent. */
    int sendNext(NodeId peer) {
      for (int i = 0; i < PER_TURN; i++) {
        byte[] cell = new byte[ChannelCellCodec.CELL_BYTES];
        ByteBuffer.wrap(cell).putInt(0, 1).putInt(8, next++); // circuit 1; PADDING is circuit 0
        links.send(peer, cell);
      }
      links.flush();
      return next - 1;
    }
  }

  private static int cellsIn(List<Integer> batches) {
    return batches.stream().mapToInt(Integer::intValue).sum();
  }

  /** Counts the writes on a channel (loop only). */
  private static final class Writes extends ChannelOutboundHandlerAdapter {
    int count;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      count++;
      ctx.write(msg, promise);
    }
  }

  /** Counts the bytes written to the channel whose write has not completed (loop only). */
  private static final class Pending extends ChannelOutboundHandlerAdapter {
    long bytes;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      int n = ((ByteBuf) msg).readableBytes();
      bytes += n;
      ctx.write(msg, promise.unvoid()).addListener(f -> bytes -= n);
    }
  }

  private static <T> T on(EventLoop loop, Callable<T> task) throws Exception {
    return loop.submit(task).get(10, TimeUnit.SECONDS);
  }
}
