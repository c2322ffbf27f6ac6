package dev.wormholes.node.relay;

import static dev.wormholes.node.stream.StreamTestSupport.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.nat.relay.RelayCodec;
import dev.wormholes.nat.relay.RelayLimits;
import dev.wormholes.node.stream.DatagramRoute;
import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.node.stream.StreamTestSupport;
import dev.wormholes.node.stream.StreamTestSupport.HashingReceiver;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A streams to B through relay R: QUIC and TLS pinned to node ids run end to end inside relay
 * Data datagrams, 32 MiB echo intact, the relay never sees plaintext, a wrong pin is refused.
 */
class RelayedStreamTest {
  static final byte[] MARKER = "WORMHOLES-PLAINTEXT-MARKER-7f3a".getBytes(StandardCharsets.US_ASCII);
  RelayTrio trio;
  /** Every relay Data datagram R sends, scanned for the marker (runs on R's loop). */
  final AtomicLong relayedBytes = new AtomicLong();
  final AtomicLong markerSightings = new AtomicLong();
  final DatagramRoute tap = this::inspect;

  @BeforeEach
  void start() throws Exception {
    // The echo moves 32 MiB each way at whatever loopback allows, which can pass the default
    // 16 MiB/s per circuit (both directions count); this test is about integrity and ciphertext,
    // RelayQuotaTest about the limits, so the rates here are out of the way.
    trio = new RelayTrio(RelayLimits.defaults().withRates(1L << 30, 1L << 30, 1L << 30, 1L << 30));
    trio.r.addRoute(tap);
  }

  @AfterEach
  void stop() {
    trio.close();
  }

  private boolean inspect(InetSocketAddress to, ByteBuf packet) {
    int n = packet.readableBytes();
    int ri = packet.readerIndex();
    if (n > RelayCodec.DATA_HEADER && packet.getByte(ri) == RelayCodec.FIRST_BYTE && packet.getByte(ri + 4) == 6) {
      relayedBytes.addAndGet(n);
      byte[] b = new byte[n];
      packet.getBytes(ri, b);
      if (indexOf(b, MARKER) >= 0) {
        markerSightings.incrementAndGet();
      }
    }
    return false; // look only
  }

  static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** Return {@code n} random bytes with the marker every 1000 bytes (any plaintext packet holds one). */
  static byte[] markedPayload(int n, long seed) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    for (int off = 0; off + MARKER.length <= n; off += 1000) {
      System.arraycopy(MARKER, 0, b, off, MARKER.length);
    }
    return b;
  }

  @Test
  void thirtyTwoMebibytesEchoThroughTheRelayIntactAndTheRelaySeesOnlyCiphertext() throws Exception {
    InetSocketAddress synthetic = trio.openToB(trio.atA);
    assertTrue(RelayAgent.isSynthetic(synthetic));
    assertEquals(trio.r.localAddress(), trio.atA.relayOf(synthetic).orElseThrow());
    assertEquals(trio.rId.id(), trio.atA.relayIdOf(synthetic).orElseThrow());
    SecureStream s = trio.echo(trio.a, synthetic, trio.bId.id());
    assertEquals(trio.bId.id(), s.peer(), "TLS proved B's id end to end");
    byte[] up = markedPayload(32 << 20, 11);
    HashingReceiver back = new HashingReceiver();
    s.channel().pipeline().addLast(back);
    s.start();
    long t0 = System.nanoTime();
    StreamTestSupport.sendAndFinish(s.channel(), up);
    assertEquals(sha256(up), back.done.get(120, TimeUnit.SECONDS));
    double secs = (System.nanoTime() - t0) / 1e9;
    System.out.printf("relayed echo: 32 MiB each way in %.2f s (%.1f MB/s each way)%n", secs, up.length / secs / 1e6);
    assertEquals(up.length, back.count());
    assertTrue(relayedBytes.get() > 2L * up.length, "the tap saw the relayed traffic: " + relayedBytes);
    assertEquals(0, markerSightings.get(), "plaintext marker seen in relayed datagrams");
    assertEquals(1, trio.relay.servedCircuits());
    assertEquals(1, trio.atB.ownCircuits());
    assertTrue(trio.relay.serverCounters().forwardedPackets() > 40_000);
    System.out.println("relay counters: " + trio.relay.serverCounters() + "\nA: " + trio.atA.clientCounters() + "\nB: " + trio.atB.clientCounters());
    var k = trio.relay.serverCounters();
    assertEquals(0, k.wrongSource() + k.unknownCircuit() + k.malformed() + k.unexpected());
    assertEquals(0, k.rateLimitedPackets(), k.toString());
  }

  @Test
  void theTapWouldSeePlaintextIfThereWereAny() {
    byte[] plain = markedPayload(1350, 3);
    assertTrue(indexOf(plain, MARKER) >= 0, "the scanner finds the marker in any 1350-byte slice");
    assertTrue(indexOf(java.util.Arrays.copyOfRange(plain, 17, 17 + 1100), MARKER) >= 0);
  }

  @Test
  void aWrongPinnedIdThroughTheRelayIsRefusedAndTheRightOneStillWorks() throws Exception {
    InetSocketAddress synthetic = trio.openToB(trio.atA);
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> trio.echo(trio.a, synthetic, StreamTestSupport.newIdentity().id()));
    assertTrue(e.getCause() instanceof javax.net.ssl.SSLException
        || String.valueOf(e.getCause()).contains("certificate"), "handshake error: " + e.getCause());
    SecureStream s = trio.echo(trio.a, synthetic, trio.bId.id());
    assertEquals(trio.bId.id(), s.peer());
  }

  @Test
  void aDirectPathFoundLaterReplacesTheRelayedOne() throws Exception {
    InetSocketAddress synthetic = trio.openToB(trio.atA);
    SecureStream relayed = trio.echo(trio.a, synthetic, trio.bId.id());
    SecureStream direct = trio.echo(trio.a, trio.b.localAddress(), trio.bId.id());
    assertEquals(2, trio.a.dialledConnections(), "one connection per path, side by side");
    trio.atA.close(synthetic); // the path registry's upgrade: drop the circuit
    relayed.channel().parent().close();
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
        .until(() -> trio.relay.servedCircuits() == 0 && trio.a.dialledConnections() == 1);
    RelayRefusalTest.echoes(direct, 64 << 10);
  }

  @Test
  void closingTheCircuitStopsThePath() throws Exception {
    InetSocketAddress synthetic = trio.openToB(trio.atA);
    trio.echo(trio.a, synthetic, trio.bId.id());
    trio.atA.close(synthetic);
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
        .until(() -> trio.relay.servedCircuits() == 0 && trio.atB.ownCircuits() == 0);
    assertFalse(trio.atA.relayOf(synthetic).isPresent());
  }
}
