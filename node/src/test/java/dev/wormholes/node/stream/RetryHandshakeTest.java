package dev.wormholes.node.stream;

import static dev.wormholes.node.stream.StreamTestSupport.newIdentity;
import static dev.wormholes.node.stream.StreamTestSupport.payload;
import static dev.wormholes.node.stream.StreamTestSupport.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.wormholes.node.stream.StreamTestSupport.HashingReceiver;
import dev.wormholes.proto.Identity;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Address validation through our demultiplexer: a server that asks every client for a Retry still
 * accepts authenticated streams (the Retry reaches the client codec by our client's connection id,
 * the client's second Initial reaches the server codec), and a server below its free rate sends
 * none.
 */
class RetryHandshakeTest {
  private static final byte[] DATA = payload(1 << 20, 9);

  @Test
  void aServerThatAlwaysRetriesStillCarriesStreams() throws Exception {
    assertEquals(1, streamsAndRetries(0));
  }

  @Test
  void belowTheFreeRateThereIsNoRetry() throws Exception {
    assertEquals(0, streamsAndRetries(64));
  }

  /** Send 1 MiB to a fresh server with {@code retryAbove}; return the Retry packets it sent. */
  private static long streamsAndRetries(int retryAbove) throws Exception {
    StreamTestSupport.quietLogs();
    Identity bob = newIdentity();
    try (StreamTransport a = StreamTransport.builder(newIdentity()).build();
        StreamTransport b = StreamTransport.builder(bob).retryAbove(retryAbove).build()) {
      HashingReceiver sink = new HashingReceiver();
      b.expose("sink", Exposure.open(s -> {
        s.channel().pipeline().addLast(sink);
        s.accept();
      }));
      SecureStream s = a.connect(b.localAddress(), bob.id(), "sink", 0).get(10, TimeUnit.SECONDS);
      s.start();
      StreamTestSupport.sendAndFinish(s.channel(), DATA);
      assertEquals(sha256(DATA), sink.done.get(20, TimeUnit.SECONDS));
      return b.retriesSent();
    }
  }
}
