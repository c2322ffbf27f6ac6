package dev.wormholes.node.stream;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.wormholes.node.fuzz.FuzzRuns;
import dev.wormholes.people.PersonUrl;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Fuzz: service headers ({@link ServiceHeader#parseRequest}, {@link ServiceHeader#parseResponse})
 * fed arbitrary bytes in arbitrary pieces, as a stream delivers them: a request, a typed malformed
 * result or "need more" (nothing consumed), never an exception, never a read past the bytes given.
 *
 * <p>Normal suite: seed inputs under {@code src/test/resources/dev/wormholes/node/stream/ServiceHeaderFuzzTestInputs/}.
 * Long run: {@code JAZZER_FUZZ=1 JAZZER_INSTRUMENTATION_INCLUDES='dev.wormholes.**' ./mvnw -B -o -pl node test -Dtest=ServiceHeaderFuzzTest
 * -Dsurefire.failIfNoSpecifiedTests=false} (node/README.md "Fuzzing").
 */
class ServiceHeaderFuzzTest {
  @FuzzTest(maxDuration = FuzzRuns.MAX_DURATION, maxExecutions = FuzzRuns.MAX_EXECUTIONS)
  void parse(FuzzedDataProvider in) {
    boolean request = in.consumeBoolean();
    int split = in.consumeInt(0, 300);
    byte[] all = in.consumeRemainingAsBytes();
    ByteBuf buf = Unpooled.buffer();
    try {
      buf.writeBytes(all, 0, Math.min(split, all.length));
      Object first = request ? ServiceHeader.parseRequest(buf) : ServiceHeader.parseResponse(buf);
      if (first == null) {
        if (buf.readerIndex() != 0) {
          throw new AssertionError("'need more' consumed bytes");
        }
        buf.writeBytes(all, Math.min(split, all.length), all.length - Math.min(split, all.length));
        Object second = request ? ServiceHeader.parseRequest(buf) : ServiceHeader.parseResponse(buf);
        if (second instanceof ServiceHeader.Request r && !PersonUrl.isServiceName(r.service())) {
          throw new AssertionError("an invalid name was accepted: " + r.service());
        }
      }
    } finally {
      buf.release();
    }
  }
}
