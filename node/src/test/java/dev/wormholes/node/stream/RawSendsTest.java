package dev.wormholes.node.stream;

import static dev.wormholes.node.stream.StreamTestSupport.newIdentity;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.wormholes.proto.engine.Transmit;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A burst of raw datagrams sent together ({@link StreamTransport#sendRaw(List)}: GSO runs, one
 * flush) arrives as the same datagrams in the same order; runs end at a recipient change, a
 * longer datagram, after a shorter one, and at the segment and byte caps.
 */
class RawSendsTest {
  private static final InetSocketAddress A = new InetSocketAddress("127.0.0.1", 1);
  private static final InetSocketAddress B = new InetSocketAddress("127.0.0.1", 2);

  @Test
  void runsEndWhereOneGsoSendMustEnd() {
    List<Transmit> ds = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      ds.add(datagram(A, 1363, i));
    }
    ds.add(datagram(A, 500, 40)); // shorter: ends the run it joins
    ds.add(datagram(A, 1363, 41));
    ds.add(datagram(B, 1363, 42)); // other recipient
    ds.add(datagram(B, 1400, 43)); // longer than the run's first
    assertEquals(32, RawSends.runEnd(ds, 0, 32));
    assertEquals(41, RawSends.runEnd(ds, 32, 32));
    assertEquals(42, RawSends.runEnd(ds, 41, 32));
    assertEquals(43, RawSends.runEnd(ds, 42, 32));
    assertEquals(1, RawSends.runEnd(ds, 0, 1));
    assertEquals(47, RawSends.runEnd(nOf(A, 1363, 60), 0, 64)); // 65,000 bytes at most
  }

  @Test
  void aBurstArrivesAsTheSameDatagramsInOrder() throws Exception {
    List<byte[]> got = new CopyOnWriteArrayList<>();
    try (StreamTransport receiver = StreamTransport.builder(newIdentity()).loopbackPayload(0).build();
        StreamTransport sender = StreamTransport.builder(newIdentity()).loopbackPayload(0).build()) {
      receiver.setSink(0x0F, (from, content) -> {
        byte[] b = new byte[content.readableBytes()];
        content.getBytes(content.readerIndex(), b);
        got.add(b);
      });
      InetSocketAddress to = receiver.localAddress();
      List<Transmit> burst = new ArrayList<>(nOf(to, 1363, 40));
      burst.add(datagram(to, 700, 40));
      burst.addAll(nOf(to, 1200, 10));
      burst.add(datagram(to, 1465, 51));
      for (int i = 0; i < burst.size(); i++) {
        burst.set(i, datagram(to, burst.get(i).payload().length, i));
      }
      sender.socketLoop().submit(() -> sender.sendRaw(burst)).sync();
      await().atMost(Duration.ofSeconds(20)).until(() -> got.size() >= burst.size());
      assertEquals(burst.size(), got.size());
      for (int i = 0; i < burst.size(); i++) {
        assertArrayEquals(burst.get(i).payload(), got.get(i), "datagram " + i);
      }
    }
  }

  private static List<Transmit> nOf(InetSocketAddress to, int size, int n) {
    List<Transmit> ds = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ds.add(datagram(to, size, i));
    }
    return ds;
  }

  /** A relay-like datagram (first byte 0x0F) of {@code size} bytes marked with {@code mark}. */
  private static Transmit datagram(InetSocketAddress to, int size, int mark) {
    byte[] b = new byte[size];
    for (int i = 1; i < size; i++) {
      b[i] = (byte) (mark * 31 + i);
    }
    b[0] = 0x0F;
    return new Transmit(to, b);
  }
}
