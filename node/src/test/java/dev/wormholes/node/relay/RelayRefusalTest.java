package dev.wormholes.node.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.nat.relay.RelayCodec;
import dev.wormholes.nat.relay.RelayLimits;
import dev.wormholes.nat.relay.RelayMessage;
import dev.wormholes.nat.relay.RelayReason;
import dev.wormholes.nat.relay.RelayServer;
import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.node.stream.StreamTestSupport;
import dev.wormholes.node.stream.StreamTestSupport.HashingReceiver;
import dev.wormholes.proto.NodeId;
import io.netty.buffer.ByteBuf;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Bad input at a real relay on loopback: unregistered targets, spoofed and unknown circuits,
 * untrusted Incoming, malformed datagrams, floods of opens from many addresses — refused or
 * dropped and counted, memory bounded, and the circuits already open keep working.
 */
class RelayRefusalTest {
  RelayTrio trio;
  final List<DatagramSocket> sockets = new ArrayList<>();

  @AfterEach
  void stop() {
    sockets.forEach(DatagramSocket::close);
    if (trio != null) {
      trio.close();
    }
  }

  DatagramSocket raw(String ip) throws Exception {
    DatagramSocket s = new DatagramSocket(new InetSocketAddress(ip, 0));
    s.setSoTimeout(300);
    sockets.add(s);
    return s;
  }

  static void send(DatagramSocket s, InetSocketAddress to, byte[] b) throws Exception {
    s.send(new DatagramPacket(b, b.length, to));
  }

  /** Echo {@code n} bytes over {@code s} and check they come back intact. */
  static void echoes(SecureStream s, int n) throws Exception {
    byte[] data = StreamTestSupport.payload(n, n);
    HashingReceiver back = new HashingReceiver();
    s.channel().pipeline().addLast(back);
    s.start();
    StreamTestSupport.sendAndFinish(s.channel(), data);
    assertEquals(StreamTestSupport.sha256(data), back.done.get(30, TimeUnit.SECONDS));
  }

  @Test
  void anUnregisteredTargetIsRefusedAndCounted() throws Exception {
    trio = new RelayTrio(RelayLimits.defaults());
    ExecutionException e = assertThrows(ExecutionException.class, () -> trio.atA.open(
        trio.r.localAddress(), trio.rId.id(), NodeId.ofWords(1, 2, 3, 4)).get(10, TimeUnit.SECONDS));
    RelayOpenException r = assertInstanceOf(RelayOpenException.class, e.getCause());
    assertEquals(RelayReason.UNKNOWN_TARGET, r.reason());
    assertEquals(1, trio.relay.serverCounters().unknownTarget());
    assertEquals(1L, trio.relay.refusals().get("relay_unknown_target"), "as status shows it");
    assertEquals(0, trio.relay.servedCircuits());
    assertEquals(1, trio.atA.clientCounters().refused());
  }

  @Test
  void spoofedUnknownUntrustedAndMalformedDatagramsAreDroppedAndCountedWhileTheCircuitWorks() throws Exception {
    trio = new RelayTrio(RelayLimits.defaults());
    AtomicLong circuit = new AtomicLong();
    trio.r.addRoute((InetSocketAddress to, ByteBuf p) -> { // learn the circuit id as an eavesdropper would
      if (p.readableBytes() > RelayCodec.DATA_HEADER && p.getByte(p.readerIndex()) == RelayCodec.FIRST_BYTE
          && p.getByte(p.readerIndex() + 4) == 6) {
        circuit.set(p.getLong(p.readerIndex() + 5));
      }
      return false;
    });
    InetSocketAddress synthetic = trio.openToB(trio.atA);
    trio.echo(trio.a, synthetic, trio.bId.id());
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> circuit.get() != 0);

    DatagramSocket eve = raw("127.0.0.1");
    InetSocketAddress r = trio.r.localAddress();
    byte[] quic = new byte[1200];
    quic[0] = (byte) 0xC0;
    send(eve, r, RelayCodec.data(circuit.get(), quic, 0, quic.length).datagram()); // spoofed source
    send(eve, r, RelayCodec.data(circuit.get() ^ 1, quic, 0, quic.length).datagram()); // unknown circuit
    send(eve, r, RelayCodec.encode(new RelayMessage.Accept(circuit.get()))); // not the target
    send(eve, r, RelayCodec.encode(new RelayMessage.Close(circuit.get(), RelayReason.BY_PEER)));
    send(eve, r, new byte[] {0x0F, 'W', 'H', 1, 99, 1, 2, 3}); // malformed
    send(eve, trio.b.localAddress(), RelayCodec.encode(new RelayMessage.Incoming(77))); // untrusted relay
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
      RelayServer.Counters k = trio.relay.serverCounters();
      return k.wrongSource() == 3 && k.unknownCircuit() == 1 && k.malformed() == 1
          && trio.atB.clientCounters().untrustedIncoming() == 1;
    });
    java.util.Map<String, Long> shown = trio.relay.refusals(); // what status shows
    assertEquals(3L, shown.get("relay_wrong_source"));
    assertEquals(1L, shown.get("relay_unknown_circuit"));
    assertEquals(1L, shown.get("relay_malformed"));
    assertEquals(1L, trio.atB.refusals().get("relay_untrusted_incoming"));
    assertThrows(SocketTimeoutException.class, () -> eve.receive(new DatagramPacket(new byte[2000], 2000)),
        "nothing answers the spoofer, and B sends no Accept to a stranger");
    assertEquals(1, trio.relay.servedCircuits(), "the circuit survived");
    echoes(trio.echo(trio.a, synthetic, trio.bId.id()), 256 << 10);
  }

  @Test
  void tenThousandOpensFromAHundredAddressesKeepTheRelayBoundedAndNeverAmplify() throws Exception {
    RelayLimits limits = RelayLimits.defaults().withCircuits(200, 4, 1000);
    trio = new RelayTrio(limits);
    InetSocketAddress before = trio.openToB(trio.atA);
    trio.echo(trio.a, before, trio.bId.id());
    List<DatagramSocket> fakes = new ArrayList<>();
    for (int i = 2; i < 102; i++) {
      fakes.add(raw("127.0.0." + i));
    }
    SplittableRandom rnd = new SplittableRandom(5);
    System.out.println("RelayRefusalTest seed 5");
    long[] sent = new long[fakes.size()];
    for (int round = 0; round < 100; round++) {
      for (int i = 0; i < fakes.size(); i++) {
        NodeId target = rnd.nextInt(4) == 0 ? NodeId.ofWords(rnd.nextLong(), 0, 0, 0) : trio.bId.id();
        byte[] open = RelayCodec.encode(new RelayMessage.Open(rnd.nextLong(), target));
        send(fakes.get(i), trio.r.localAddress(), open);
        sent[i] += open.length;
      }
      assertTrue(trio.relay.servedCircuits() <= limits.maxCircuits());
    }
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
      RelayServer.Counters k = trio.relay.serverCounters();
      return k.refusedOpens() + trio.relay.servedCircuits() >= 10_000;
    });
    RelayServer.Counters k = trio.relay.serverCounters();
    System.out.println("after 10k opens: circuits " + trio.relay.servedCircuits() + ", " + k);
    assertTrue(trio.relay.servedCircuits() <= limits.maxCircuits());
    assertTrue(k.overQuota() + k.overCapacity() > 9_000 - 2_500, k.toString());
    assertTrue(k.unknownTarget() > 0);
    for (int i = 0; i < fakes.size(); i++) {
      fakes.get(i).setSoTimeout(30); // every answer was sent before the counters added up
      long got = 0;
      try {
        while (true) {
          DatagramPacket p = new DatagramPacket(new byte[2000], 2000);
          fakes.get(i).receive(p);
          got += p.getLength();
        }
      } catch (SocketTimeoutException done) {
        // drained
      }
      assertTrue(got <= sent[i], "address " + i + " received " + got + " bytes for " + sent[i]);
    }
    echoes(trio.echo(trio.a, before, trio.bId.id()), 256 << 10);
  }

  @Test
  void aNodeNotServingAsRelayRefusesOpensWithAnAnswerSmallerThanTheOpen() throws Exception {
    trio = new RelayTrio(RelayLimits.defaults());
    DatagramSocket s = raw("127.0.0.1");
    s.setSoTimeout(5_000);
    byte[] open = RelayCodec.encode(new RelayMessage.Open(42, trio.bId.id()));
    send(s, trio.a.localAddress(), open); // A does not serve (its BooleanSupplier says false)
    DatagramPacket p = new DatagramPacket(new byte[2000], 2000);
    s.receive(p);
    assertTrue(p.getLength() <= open.length);
    RelayMessage m = ((dev.wormholes.nat.relay.RelayDecoded.Ok) RelayCodec.decode(
        java.util.Arrays.copyOf(p.getData(), p.getLength()))).message();
    assertEquals(new RelayMessage.Refused(42, RelayReason.NOT_SERVING), m);
    assertEquals(1, trio.atA.serverCounters().notServing());
    assertEquals(0, trio.atA.servedCircuits());
  }

  @Test
  void anOpenNobodyAnswersIsRetriedThenFailsWithNoAnswer() throws Exception {
    trio = new RelayTrio(RelayLimits.defaults());
    DatagramSocket silent = raw("127.0.0.1");
    silent.setSoTimeout(1_500); // retries come every 500 ms: 1.5 s of silence means they stopped
    long t0 = System.nanoTime();
    java.util.concurrent.CompletableFuture<InetSocketAddress> f = trio.atA.open(
        (InetSocketAddress) silent.getLocalSocketAddress(), trio.rId.id(), trio.bId.id());
    int opens = 0;
    byte[] first = null;
    try {
      while (opens < 20) {
        DatagramPacket p = new DatagramPacket(new byte[2000], 2000);
        silent.receive(p);
        byte[] b = java.util.Arrays.copyOf(p.getData(), p.getLength());
        assertTrue(first == null || java.util.Arrays.equals(first, b), "every retry is the same Open");
        first = b;
        opens++;
      }
    } catch (SocketTimeoutException done) {
      // the agent stopped retrying
    }
    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(1, TimeUnit.SECONDS));
    assertEquals(RelayReason.NO_ANSWER, ((RelayOpenException) e.getCause()).reason());
    assertEquals(8, opens, "8 attempts, 500 ms apart");
    assertTrue((System.nanoTime() - t0) / 1e9 >= 3.5);
    assertEquals(1, trio.atA.clientCounters().unanswered());
  }

  @Test
  void opensToItselfAreRefusedBeforeTheWire() {
    trio = assertDoesNotThrowTrio();
    ExecutionException e = assertThrows(ExecutionException.class, () -> trio.atA.open(
        trio.r.localAddress(), trio.rId.id(), trio.aId.id()).get(5, TimeUnit.SECONDS));
    assertEquals(RelayReason.SELF, ((RelayOpenException) e.getCause()).reason());
    assertArrayEquals(new long[] {0}, new long[] {trio.relay.serverCounters().refusedOpens()});
  }

  private static RelayTrio assertDoesNotThrowTrio() {
    try {
      return new RelayTrio(RelayLimits.defaults());
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
