package dev.wormholes.node.stream;

import static dev.wormholes.node.stream.StreamTestSupport.newIdentity;
import static dev.wormholes.node.stream.StreamTestSupport.payload;
import static dev.wormholes.node.stream.StreamTestSupport.sha256;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.wormholes.node.stream.StreamTestSupport.HashingReceiver;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.Limits;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The socket reads many datagrams per system call (recvmmsg into fixed slots) and sends a
 * connection's packets in GSO batches. Neither may change what arrives: datagrams too long for
 * a slot are dropped, never parsed cut short; a burst of control datagrams arrives whole; stream
 * bytes arrive intact with every combination of the two settings.
 */
class DatagramBatchingTest {

  @ParameterizedTest(name = "readBatch {0}, loopbackPayload {1}")
  @CsvSource({"32, 0", "1, 0", "32, -1", "1, -1"})
  void oversizedDatagramsAreDroppedAndABurstArrivesWhole(int readBatch, int loopbackPayload)
      throws Exception {
    // -1: the default (loopback codecs, whose limit replaces 1500 for this loopback sender)
    int limit = loopbackPayload < 0 && StreamTransport.LOOPBACK_PAYLOAD > QuicDemultiplexer.MAX_DATAGRAM
        ? StreamTransport.LOOPBACK_PAYLOAD : QuicDemultiplexer.MAX_DATAGRAM;
    List<byte[]> got = new CopyOnWriteArrayList<>();
    StreamTransport.Builder builder = StreamTransport.builder(newIdentity()).readBatch(readBatch);
    if (loopbackPayload >= 0) {
      builder.loopbackPayload(loopbackPayload);
    }
    try (StreamTransport t = builder
            .datagramSink((from, content) -> {
              byte[] b = new byte[content.readableBytes()];
              content.getBytes(content.readerIndex(), b);
              got.add(b);
            }).build();
        DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      InetSocketAddress to = t.localAddress();
      // QUIC-looking datagrams one byte and 100 bytes over the limit: cut to a slot they
      // would reach the server codec; they must be dropped instead.
      for (int size : new int[] {limit + 1, Math.min(limit + 100, 65_507)}) {
        byte[] quic = payload(size, size);
        quic[0] = (byte) 0xC3;
        peer.send(new DatagramPacket(quic, quic.length, to));
      }
      byte[][] burst = new byte[100][];
      for (int i = 0; i < burst.length; i++) {
        burst[i] = payload(1 + (i * 37) % Limits.MAX_DATAGRAM, i);
        burst[i][0] = Limits.FIRST_BYTE;
        peer.send(new DatagramPacket(burst[i], burst[i].length, to));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> got.size() >= burst.length);
      await().atMost(Duration.ofSeconds(5)).until(() -> t.datagramCounters()[3] >= 2);
      long[] c = t.datagramCounters();
      assertEquals(burst.length, c[0], "control datagrams");
      assertEquals(0, c[1], "nothing reached the server codec");
      assertEquals(2, c[3], "oversized datagrams dropped");
      Comparator<byte[]> order = java.util.Arrays::compare;
      List<byte[]> sortedGot = got.stream().sorted(order).toList();
      List<byte[]> sortedSent = java.util.Arrays.stream(burst).sorted(order).toList();
      for (int i = 0; i < burst.length; i++) {
        assertArrayEquals(sortedSent.get(i), sortedGot.get(i));
      }
    }
  }

  @ParameterizedTest(name = "readBatch {0}, sendSegments {1}")
  @CsvSource({"32, 32", "1, 0", "32, 0", "1, 32"})
  void streamBytesArriveIntactWithEveryBatchingSetting(int readBatch, int segments)
      throws Exception {
    Identity bob = newIdentity();
    try (StreamTransport a = StreamTransport.builder(newIdentity()).readBatch(readBatch)
            .sendSegments(segments).build();
        StreamTransport b = StreamTransport.builder(bob).readBatch(readBatch)
            .sendSegments(segments).build()) {
      HashingReceiver atB = new HashingReceiver();
      b.expose("echo", Exposure.open(s -> {
        s.channel().pipeline().addLast(atB);
        s.accept();
      }));
      SecureStream s = a.connect(b.localAddress(), bob.id(), "echo", 0).get(10, TimeUnit.SECONDS);
      s.start();
      byte[] up = payload(3 << 20, 11);
      StreamTestSupport.sendAndFinish(s.channel(), up);
      assertEquals(sha256(up), atB.done.get(30, TimeUnit.SECONDS));
      assertEquals(up.length, atB.count());
    }
  }
}
