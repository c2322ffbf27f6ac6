package dev.wormholes.node.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/** The echo service stops reading a peer that does not read its echoes, and reads again once it does. */
class EchoBackpressureTest {
  @Test
  void anUnwritableStreamIsNotReadUntilItDrains() {
    EmbeddedChannel ch = new EmbeddedChannel(new Ping.Echo());
    ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
    assertTrue(ch.config().isAutoRead(), "writable: keeps reading");
    ((ByteBuf) ch.readOutbound()).release();

    ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false); // the peer stopped reading
    ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {4, 5}));
    assertFalse(ch.config().isAutoRead(), "unwritable: stops reading the peer");
    ByteBuf echoed = ch.readOutbound();
    assertEquals(2, echoed.readableBytes());
    echoed.release();

    ch.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
    ch.runPendingTasks();
    assertTrue(ch.config().isAutoRead(), "drained: reads again");
    ch.finishAndReleaseAll();
  }
}
