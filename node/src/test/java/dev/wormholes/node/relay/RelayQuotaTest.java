package dev.wormholes.node.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.nat.relay.RelayLimits;
import dev.wormholes.nat.relay.RelayReason;
import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.node.stream.StreamTestSupport;
import dev.wormholes.node.stream.StreamTestSupport.HashingReceiver;
import dev.wormholes.node.stream.StreamTransport;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Quotas at a real relay: a byte rate slows its circuit only; a circuit quota refuses the excess. */
class RelayQuotaTest {
  RelayTrio trio;

  @AfterEach
  void stop() {
    trio.close();
  }

  @Test
  void aCircuitsByteRateSlowsItsTransferWithoutBreakingItOrOtherCircuits() throws Exception {
    // 1 MiB/s per circuit (both directions), IPs unconstrained.
    trio = new RelayTrio(RelayLimits.defaults().withRates(1 << 20, 128 << 10, 256L << 20, 64L << 20));
    InetSocketAddress slow = trio.openToB(trio.atA);
    Object[] other = trio.requester("127.0.0.2");
    StreamTransport a2 = (StreamTransport) other[0];
    InetSocketAddress fast = trio.openToB((RelayAgent) other[1]);
    SecureStream s2 = trio.echo(a2, fast, trio.bId.id());

    byte[] big = StreamTestSupport.payload(2 << 20, 1); // echoed: 4 MiB through the circuit
    SecureStream s = trio.echo(trio.a, slow, trio.bId.id());
    HashingReceiver back = new HashingReceiver();
    s.channel().pipeline().addLast(back);
    s.start();
    long t0 = System.nanoTime();
    StreamTestSupport.sendAndFinish(s.channel(), big);

    byte[] small = StreamTestSupport.payload(64 << 10, 2);
    HashingReceiver smallBack = new HashingReceiver();
    s2.channel().pipeline().addLast(smallBack);
    s2.start();
    StreamTestSupport.sendAndFinish(s2.channel(), small);
    assertEquals(StreamTestSupport.sha256(small), smallBack.done.get(30, TimeUnit.SECONDS));
    double otherSecs = (System.nanoTime() - t0) / 1e9;
    assertFalse(back.done.isDone(), "the other circuit finished while the throttled one still ran");

    assertEquals(StreamTestSupport.sha256(big), back.done.get(90, TimeUnit.SECONDS));
    double secs = (System.nanoTime() - t0) / 1e9;
    System.out.printf("throttled circuit: 4 MiB relayed in %.2f s (%.2f MiB/s); other circuit's echo done after %.2f s; %s%n",
        secs, 4 / secs, otherSecs, trio.relay.serverCounters());
    assertTrue(secs >= 3.0, "1 MiB/s cannot carry 4 MiB in " + secs + " s");
    assertTrue(trio.relay.serverCounters().rateLimitedPackets() > 0);
  }

  @Test
  void aRequesterIpOverItsCircuitQuotaIsRefusedAndItsOtherCircuitsWork() throws Exception {
    trio = new RelayTrio(RelayLimits.defaults().withCircuits(100, 2, 100));
    InetSocketAddress first = trio.openToB(trio.atA);
    trio.openToB(trio.atA);
    ExecutionException e = assertThrows(ExecutionException.class, () -> trio.openToB(trio.atA));
    assertEquals(RelayReason.OVER_QUOTA, assertInstanceOf(RelayOpenException.class, e.getCause()).reason());
    assertEquals(1, trio.relay.serverCounters().overQuota());
    Object[] other = trio.requester("127.0.0.2");
    InetSocketAddress elsewhere = trio.openToB((RelayAgent) other[1]);
    CompletableFuture<SecureStream> s = trio.a.connect(first, trio.bId.id(), "echo", 0);
    RelayRefusalTest.echoes(s.get(15, TimeUnit.SECONDS), 128 << 10);
    RelayRefusalTest.echoes(trio.echo((StreamTransport) other[0], elsewhere, trio.bId.id()), 128 << 10);
  }
}
