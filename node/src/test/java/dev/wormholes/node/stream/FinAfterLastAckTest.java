package dev.wormholes.node.stream;

import static dev.wormholes.node.stream.StreamTestSupport.newIdentity;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.wormholes.proto.Identity;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * quiche#2525 through Netty, made to happen (in each of 22 tries): B answers A's FIN with its
 * own while the packet after A's FIN, in the same read batch, acknowledges B's last data. Ended with
 * {@link StreamEnds#endOutput} the FIN arrives; ended with {@code shutdownOutput()} right there,
 * quiche frees the stream before sending the FIN and A waits for the end forever.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FinAfterLastAckTest {
  private StreamTransport a;
  private StreamTransport b;

  @AfterEach
  void stop() {
    closeNodes();
  }

  private void closeNodes() {
    if (a != null) {
      a.close();
      b.close();
    }
  }

  @Test
  void aFinWrittenInTheBatchThatAcknowledgesTheLastDataArrives() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertEquals(1000L, race(ch -> StreamEnds.endOutput(ch)).get(5, TimeUnit.SECONDS), "race " + i);
    }
  }

  @Test
  void theSameFinEndedInPlaceIsLostWhichIsWhyStreamEndsExists() throws Exception {
    // A canary: the race lost B's FIN in every one of 22 tries; three tries make a miss of the
    // timing no reason to fail. If the FIN arrives in all three, quiche has fixed #2525 (or the
    // race no longer happens the way this test sets it up) and StreamEnds may go.
    for (int i = 0; i < 3; i++) {
      CompletableFuture<Long> end = race(DuplexChannel::shutdownOutput);
      try {
        end.get(3, TimeUnit.SECONDS);
      } catch (TimeoutException lost) {
        return;
      }
    }
    fail("B's FIN ended in place arrived in 3 races of 3");
  }

  /**
   * Run the race with B ending its output by {@code endB} when A's FIN arrives; return what
   * completes with the number of bytes A read when A sees B's FIN.
   */
  private CompletableFuture<Long> race(Consumer<DuplexChannel> endB) throws Exception {
    StreamTestSupport.quietLogs();
    closeNodes();
    Identity bob = newIdentity();
    a = StreamTransport.builder(newIdentity()).build();
    b = StreamTransport.builder(bob).build();
    CompletableFuture<Channel> atB = new CompletableFuture<>();
    b.expose("answer", Exposure.open(s -> {
      s.channel().pipeline().addLast(new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
          ReferenceCountUtil.release(msg);
          atB.complete(ctx.channel());
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
          if (evt instanceof ChannelInputShutdownEvent) {
            endB.accept((DuplexChannel) ctx.channel());
          }
        }
      });
      s.accept();
    }));
    SecureStream s = a.connect(b.localAddress(), bob.id(), "answer", 0).get(10, TimeUnit.SECONDS);
    AtomicLong read = new AtomicLong();
    CompletableFuture<Long> ended = new CompletableFuture<>();
    s.channel().pipeline().addLast(new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        read.addAndGet(((ByteBuf) msg).readableBytes());
        ReferenceCountUtil.release(msg);
      }

      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
          ended.complete(read.get());
        }
      }
    });
    s.start();
    s.channel().writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1})).sync();
    Channel bStream = atB.get(5, TimeUnit.SECONDS);
    QuicChannel aConnection = (QuicChannel) s.channel().parent();
    long sentBefore = quietSent(aConnection);

    // 1. A's loop stops in a task that, once let go, writes A's FIN before A reads anything more.
    CountDownLatch goA = new CountDownLatch(1);
    a.socketLoop().execute(() -> {
      await(goA);
      s.channel().shutdownOutput();
    });
    // 2. B sends its answer, which waits in A's socket.
    bStream.writeAndFlush(Unpooled.wrappedBuffer(new byte[1000])).sync();
    // 3. B's loop stops: what A sends next is read by B in one batch.
    CountDownLatch goB = new CountDownLatch(1);
    b.socketLoop().execute(() -> await(goB));
    // 4. A sends its FIN, then reads the answer and acknowledges it: two packets, in that order.
    goA.countDown();
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(
        () -> aConnection.collectStats().get(5, TimeUnit.SECONDS).sent() >= sentBefore + 2);
    // 5. B reads both in one batch: the FIN, B ends its output, then the acknowledgement.
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> read.get() == 1000);
    goB.countDown();
    return ended;
  }

  /** Return the number of packets {@code c} sent, once it has sent none for 100 ms. */
  private static long quietSent(QuicChannel c) {
    long[] last = {-1};
    Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).until(() -> {
      long n = c.collectStats().get(5, TimeUnit.SECONDS).sent();
      boolean same = n == last[0];
      last[0] = n;
      return same;
    });
    return last[0];
  }

  private static void await(CountDownLatch go) {
    try {
      go.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
