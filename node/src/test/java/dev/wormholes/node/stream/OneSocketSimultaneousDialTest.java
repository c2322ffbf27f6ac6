package dev.wormholes.node.stream;

import static dev.wormholes.node.stream.StreamTestSupport.newIdentity;
import static dev.wormholes.node.stream.StreamTestSupport.payload;
import static dev.wormholes.node.stream.StreamTestSupport.sha256;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.node.stream.StreamTestSupport.HashingReceiver;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.Limits;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The one-socket question: each node has ONE UDP socket that accepts QUIC connections, dials
 * them, and carries control datagrams (first byte 0x0D). Two nodes dial each other at the same
 * moment while exchanging control datagrams; both connections come up on the same address pair,
 * carry bytes, and every datagram reaches its sink.
 */
class OneSocketSimultaneousDialTest {
  private static final int DATAGRAMS = 40;

  /** A node under test: its transport and the control datagrams it received. */
  private static final class Node implements AutoCloseable {
    final Identity identity = newIdentity();
    final List<byte[]> datagrams = new CopyOnWriteArrayList<>();
    final List<InetSocketAddress> senders = new CopyOnWriteArrayList<>();
    final HashingReceiver received = new HashingReceiver();
    final StreamTransport transport;

    Node() throws InterruptedException {
      transport = StreamTransport.builder(identity).datagramSink((from, content) -> {
        byte[] b = new byte[content.readableBytes()];
        content.getBytes(content.readerIndex(), b);
        datagrams.add(b);
        senders.add(from);
      }).build();
      transport.expose("sink", Exposure.open(s -> {
        s.channel().pipeline().addLast(received);
        s.accept();
      }));
    }

    @Override
    public void close() {
      transport.close();
    }
  }

  private static byte[] controlDatagram(int i, int size) {
    byte[] b = payload(size, i);
    b[0] = Limits.FIRST_BYTE;
    return b;
  }

  @Test
  void bothNodesDialEachOtherAtOnceAndExchangeDatagramsOnTheSameSockets() throws Exception {
    StreamTestSupport.quietLogs();
    try (Node a = new Node(); Node b = new Node()) {
      InetSocketAddress aAddr = a.transport.localAddress();
      InetSocketAddress bAddr = b.transport.localAddress();
      CountDownLatch go = new CountDownLatch(1);
      CompletableFuture<SecureStream> ab = CompletableFuture.supplyAsync(() -> {
        awaitLatch(go);
        return a.transport.connect(bAddr, b.identity.id(), "sink", 0);
      }).thenCompose(f -> f);
      CompletableFuture<SecureStream> ba = CompletableFuture.supplyAsync(() -> {
        awaitLatch(go);
        return b.transport.connect(aAddr, a.identity.id(), "sink", 0);
      }).thenCompose(f -> f);
      CompletableFuture<Void> chatter = CompletableFuture.runAsync(() -> {
        awaitLatch(go);
        for (int i = 0; i < DATAGRAMS; i++) {
          a.transport.sendDatagram(bAddr, controlDatagram(i, 100 + i * 30));
          b.transport.sendDatagram(aAddr, controlDatagram(1000 + i, 1200));
        }
      });
      go.countDown();
      SecureStream sab = ab.get(15, TimeUnit.SECONDS);
      SecureStream sba = ba.get(15, TimeUnit.SECONDS);
      chatter.get(15, TimeUnit.SECONDS);

      // Each dial proved the other's id and ran between the two sockets, nothing else.
      assertEquals(b.identity.id(), sab.peer());
      assertEquals(a.identity.id(), sba.peer());
      assertEquals(bAddr, sab.channel().parent().remoteSocketAddress());
      assertEquals(aAddr, sba.channel().parent().remoteSocketAddress());

      // Both connections carry bytes at the same time.
      byte[] fromA = payload(1 << 20, 7);
      byte[] fromB = payload(1 << 20, 8);
      sab.start();
      sba.start();
      StreamTestSupport.sendAndFinish(sab.channel(), fromA);
      StreamTestSupport.sendAndFinish(sba.channel(), fromB);
      assertEquals(sha256(fromA), b.received.done.get(20, TimeUnit.SECONDS));
      assertEquals(sha256(fromB), a.received.done.get(20, TimeUnit.SECONDS));

      // Every control datagram arrived intact at the sink, from the peer's one socket.
      awaitCount(b, DATAGRAMS);
      awaitCount(a, DATAGRAMS);
      for (int i = 0; i < DATAGRAMS; i++) {
        assertTrue(containsBytes(b.datagrams, controlDatagram(i, 100 + i * 30)), "a->b #" + i);
        assertTrue(containsBytes(a.datagrams, controlDatagram(1000 + i, 1200)), "b->a #" + i);
      }
      assertTrue(b.senders.stream().allMatch(aAddr::equals));
      assertTrue(a.senders.stream().allMatch(bAddr::equals));

      // Both codecs were fed on both sockets, and nothing was dropped.
      for (Node n : List.of(a, b)) {
        long[] c = n.transport.datagramCounters();
        assertEquals(DATAGRAMS, c[0], "control datagrams");
        assertTrue(c[1] > 0, "packets routed to the server codec");
        assertTrue(c[2] > 0, "packets routed to the client codec");
        assertEquals(0, c[3], "dropped");
        assertEquals(1, n.transport.dialledConnections());
      }
    }
  }

  @Test
  void foreignDatagramsAreDroppedAndCountedWhileStreamsKeepWorking() throws Exception {
    StreamTestSupport.quietLogs();
    try (Node a = new Node(); Node b = new Node();
        DatagramSocket junk = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      InetSocketAddress bAddr = b.transport.localAddress();
      byte[][] bad = {{0x00, 1, 2}, {0x3F}, payload(1600, 3), {(byte) 0xC0, 0, 0}, {0x40}};
      bad[2][0] = Limits.FIRST_BYTE; // an oversized control datagram
      for (byte[] d : bad) {
        junk.send(new DatagramPacket(d, d.length, bAddr));
      }
      SecureStream s = a.transport.connect(bAddr, b.identity.id(), "sink", 0)
          .get(10, TimeUnit.SECONDS);
      s.start();
      byte[] data = payload(100_000, 9);
      StreamTestSupport.sendAndFinish(s.channel(), data);
      assertEquals(sha256(data), b.received.done.get(10, TimeUnit.SECONDS));
      await().atMost(Duration.ofSeconds(5))
          .until(() -> b.transport.datagramCounters()[3] >= 3);
      assertEquals(0, b.transport.datagramCounters()[0], "nothing reached the control sink");
    }
  }

  private static void awaitCount(Node n, int count) {
    await().atMost(Duration.ofSeconds(10)).until(() -> n.datagrams.size() >= count);
    assertEquals(count, n.datagrams.size());
  }

  private static boolean containsBytes(List<byte[]> list, byte[] wanted) {
    return list.stream().anyMatch(d -> java.util.Arrays.equals(d, wanted));
  }

  private static void awaitLatch(CountDownLatch l) {
    try {
      l.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
