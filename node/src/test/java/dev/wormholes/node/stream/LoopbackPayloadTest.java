package dev.wormholes.node.stream;

import static dev.wormholes.node.stream.StreamTestSupport.newIdentity;
import static dev.wormholes.node.stream.StreamTestSupport.payload;
import static dev.wormholes.node.stream.StreamTestSupport.sha256;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.node.stream.StreamTestSupport.HashingReceiver;
import dev.wormholes.proto.Identity;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Loopback peers get codecs of their own with packets as large as the loopback interface allows,
 * while every other peer (here: a relay-like route with synthetic addresses) keeps 1350 bytes,
 * and a QUIC datagram over 1500 bytes from a non-loopback sender is still dropped.
 */
class LoopbackPayloadTest {
  private static final int BYTES = 4 << 20;

  @Test
  void loopbackMtuGivesTheLoopbackPayload() {
    assertEquals(16_383, LoopbackMtu.payloadFor(65_536));
    assertEquals(8_952, LoopbackMtu.payloadFor(9_000));
    assertEquals(1350, LoopbackMtu.payloadFor(1_500), "a 1500 loopback keeps the default");
    assertEquals(1350, LoopbackMtu.payloadFor(0), "unknown");
    assertEquals(1350, LoopbackMtu.payloadFor(-1), "unknown");
  }

  @Test
  void loopbackConnectionsUseLargePackets() throws Exception {
    long[] c = transfer(StreamTransport.LOOPBACK_PAYLOAD);
    // 4 MB in 1350-byte packets would be over 3000; large packets need a few hundred at most.
    assertTrue(c[5] > 0, "no datagram over 1500 bytes arrived: " + java.util.Arrays.toString(c));
    assertTrue(c[1] < BYTES / 1500 / 4, "too many packets for large ones: " + c[1]);
    assertEquals(c[1] + c[2], c[4], "every packet went to the loopback codecs");
    assertEquals(0, c[3], "dropped");
  }

  @Test
  void withoutLoopbackCodecsPacketsStaySmall() throws Exception {
    long[] c = transfer(0);
    assertEquals(0, c[5], "datagrams over 1500 bytes");
    assertEquals(0, c[4], "packets to loopback codecs");
    assertTrue(c[1] > BYTES / 1500, "packets: " + c[1]);
  }

  /** Send {@code BYTES} from a client to a server on 127.0.0.1; return the server's counters. */
  private static long[] transfer(int loopbackPayload) throws Exception {
    Identity bob = newIdentity();
    try (StreamTransport a = StreamTransport.builder(newIdentity())
            .loopbackPayload(loopbackPayload).build();
        StreamTransport b = StreamTransport.builder(bob).loopbackPayload(loopbackPayload).build()) {
      HashingReceiver atB = new HashingReceiver();
      b.expose("sink", Exposure.open(s -> {
        s.channel().pipeline().addLast(atB);
        s.accept();
      }));
      SecureStream s = a.connect(b.localAddress(), bob.id(), "sink", 0).get(10, TimeUnit.SECONDS);
      s.start();
      byte[] up = payload(BYTES, 3);
      StreamTestSupport.sendAndFinish(s.channel(), up);
      assertEquals(sha256(up), atB.done.get(30, TimeUnit.SECONDS));
      return b.datagramCounters();
    }
  }

  @Test
  void largeQuicDatagramsFromNonLoopbackSendersAreDropped() throws Exception {
    try (StreamTransport t = StreamTransport.builder(newIdentity()).build()) {
      InetSocketAddress far = new InetSocketAddress("192.0.2.7", 4433); // never sent to
      InetSocketAddress near = new InetSocketAddress("127.0.0.9", 4433);
      t.injectQuic(far, quicLooking(1501));
      t.injectQuic(far, quicLooking(9000));
      await().atMost(Duration.ofSeconds(5)).until(() -> t.datagramCounters()[3] == 2);
      assertEquals(0, t.datagramCounters()[1], "reached a server codec");
      t.injectQuic(far, quicLooking(1400)); // within the limit: the other server codec
      t.injectQuic(near, quicLooking(9000)); // a loopback sender may: the loopback server codec
      await().atMost(Duration.ofSeconds(5)).until(() -> t.datagramCounters()[1] == 2);
      long[] c = t.datagramCounters();
      assertEquals(1, c[4], "to the loopback codec");
      assertEquals(1, c[5], "large datagrams accepted");
      assertEquals(2, c[3], "dropped");
    }
  }

  @Test
  void dialsToOtherAddressesKeepSmallPacketsOnALoopbackSocket() throws Exception {
    Identity bob = newIdentity();
    InetSocketAddress aSynthetic = new InetSocketAddress("100::a", 1);
    InetSocketAddress bSynthetic = new InetSocketAddress("100::b", 1);
    AtomicInteger largest = new AtomicInteger();
    AtomicLong carried = new AtomicLong();
    try (StreamTransport a = StreamTransport.builder(newIdentity()).build();
        StreamTransport b = StreamTransport.builder(bob).build()) {
      // Relay-circuit-like routes: packets for the other's synthetic address are handed over.
      a.addRoute(route(bSynthetic, b, aSynthetic, largest, carried));
      b.addRoute(route(aSynthetic, a, bSynthetic, largest, carried));
      HashingReceiver atB = new HashingReceiver();
      b.expose("sink", Exposure.open(s -> {
        s.channel().pipeline().addLast(atB);
        s.accept();
      }));
      SecureStream s = a.connect(bSynthetic, bob.id(), "sink", 0).get(10, TimeUnit.SECONDS);
      s.start();
      byte[] up = payload(1 << 20, 5);
      StreamTestSupport.sendAndFinish(s.channel(), up);
      assertEquals(sha256(up), atB.done.get(30, TimeUnit.SECONDS));
      assertTrue(carried.get() > (1 << 20) / 1350, "the route carried the connection");
      assertTrue(largest.get() <= 1350, "largest routed packet " + largest.get());
      assertEquals(0, b.datagramCounters()[4], "nothing went to b's loopback codecs");
      assertEquals(0, a.datagramCounters()[4], "nothing went to a's loopback codecs");
    }
  }

  private static DatagramRoute route(InetSocketAddress to, StreamTransport peer,
      InetSocketAddress from, AtomicInteger largest, AtomicLong carried) {
    return (recipient, packet) -> {
      if (!recipient.equals(to)) {
        return false;
      }
      largest.accumulateAndGet(packet.readableBytes(), Math::max);
      carried.incrementAndGet();
      peer.injectQuic(from, packet);
      return true;
    };
  }

  private static ByteBuf quicLooking(int n) {
    byte[] b = payload(n, n);
    b[0] = (byte) 0xC3; // long header, fixed bit
    return Unpooled.wrappedBuffer(b);
  }
}
