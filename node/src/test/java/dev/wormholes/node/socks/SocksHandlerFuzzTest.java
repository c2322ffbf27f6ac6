package dev.wormholes.node.socks;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.wormholes.node.fuzz.FuzzRuns;
import dev.wormholes.node.stream.SecureStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzz: the SOCKS5 negotiation ({@link SocksServer#negotiation}: RFC 1928 greeting, RFC 1929
 * login, CONNECT) in an {@link EmbeddedChannel}, fed arbitrary client bytes in arbitrary pieces:
 * it answers or closes, lets no exception out of the pipeline, and never dials for a client that
 * has not given the password.
 *
 * <p>Normal suite: seed inputs under {@code src/test/resources/dev/wormholes/node/socks/SocksHandlerFuzzTestInputs/}.
 * Long run: {@code JAZZER_FUZZ=1 JAZZER_INSTRUMENTATION_INCLUDES='dev.wormholes.**' ./mvnw -B -o -pl node test -Dtest=SocksHandlerFuzzTest
 * -Dsurefire.failIfNoSpecifiedTests=false} (node/README.md "Fuzzing").
 */
class SocksHandlerFuzzTest {
  private static final SocksCredentials LOGIN = SocksClient.LOGIN;
  private static final AtomicInteger DIALS = new AtomicInteger();
  private static final StreamDialer DIALER = (node, service) -> {
    DIALS.incrementAndGet();
    return new CompletableFuture<SecureStream>(); // never completes: the negotiation is what is fuzzed
  };
  private static SocksServer counters;

  @BeforeAll
  static void bind() throws InterruptedException {
    counters = SocksServer.bind(new InetSocketAddress("127.0.0.1", 0), DIALER, LOGIN);
  }

  @AfterAll
  static void close() {
    counters.close();
  }

  @FuzzTest(maxDuration = FuzzRuns.MAX_DURATION, maxExecutions = FuzzRuns.MAX_EXECUTIONS)
  void negotiate(FuzzedDataProvider in) {
    EmbeddedChannel ch = new EmbeddedChannel();
    SocksServer.negotiation(ch.pipeline(), DIALER, LOGIN, counters);
    int dialsBefore = DIALS.get();
    boolean loggedIn = false;
    try {
      while (in.remainingBytes() > 0 && ch.isActive()) {
        byte[] piece = in.consumeBytes(in.consumeInt(1, 64));
        ch.writeInbound(Unpooled.wrappedBuffer(piece));
        ch.checkException();
        for (Object out = ch.readOutbound(); out != null; out = ch.readOutbound()) {
          if (out instanceof io.netty.handler.codec.socksx.v5.Socks5PasswordAuthResponse r
              && r.status().isSuccess()) {
            loggedIn = true;
          }
          ReferenceCountUtil.release(out);
        }
      }
      if (!loggedIn && DIALS.get() != dialsBefore) {
        throw new AssertionError("dialled for a client that did not log in");
      }
    } finally {
      ch.finishAndReleaseAll();
    }
  }
}
