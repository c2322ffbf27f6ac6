package dev.wormholes.node.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Routes take only the recipients they claim; GSO batches for everyone else reach the socket whole. */
class DatagramRoutesTest {
  private static final InetSocketAddress CIRCUIT = new InetSocketAddress("100::1", 9);
  private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 7447);

  private final List<Integer> taken = new ArrayList<>();
  private final DatagramRoute circuits = new DatagramRoute() {
    @Override
    public boolean send(InetSocketAddress recipient, ByteBuf packet) {
      if (!recipient.equals(CIRCUIT)) {
        return false;
      }
      taken.add(packet.readableBytes());
      packet.release();
      return true;
    }

    @Override
    public boolean handles(InetSocketAddress recipient) {
      return recipient.equals(CIRCUIT);
    }
  };

  private EmbeddedChannel channel() {
    DatagramRoutes routes = new DatagramRoutes();
    routes.add(circuits);
    return new EmbeddedChannel(routes);
  }

  @Test
  void aBatchForAnUnclaimedRecipientStaysWhole() {
    EmbeddedChannel ch = channel();
    SegmentedDatagramPacket batch = new SegmentedDatagramPacket(Unpooled.wrappedBuffer(new byte[3000]), 1200, PEER);
    ch.writeOutbound(batch);
    Object out = ch.readOutbound();
    assertSame(batch, out);
    assertNull(ch.readOutbound());
    assertTrue(taken.isEmpty());
    batch.release();
  }

  @Test
  void aBatchForAClaimedRecipientIsSplitIntoPacketsForTheRoute() {
    EmbeddedChannel ch = channel();
    ch.writeOutbound(new SegmentedDatagramPacket(Unpooled.wrappedBuffer(new byte[3000]), 1200, CIRCUIT));
    assertEquals(List.of(1200, 1200, 600), taken);
    assertNull(ch.readOutbound());
    DatagramPacket plain = new DatagramPacket(Unpooled.wrappedBuffer(new byte[100]), PEER);
    ch.writeOutbound(plain);
    assertSame(plain, ch.readOutbound());
    plain.release();
  }
}
