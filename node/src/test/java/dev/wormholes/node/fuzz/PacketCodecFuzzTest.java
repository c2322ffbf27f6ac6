package dev.wormholes.node.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.wormholes.proto.PacketCodec;
import dev.wormholes.proto.DecodeResult;

/**
 * Fuzz: DHT packets ({@code PacketCodec.decode}): any bytes decode to a packet or a drop reason; a decoded packet re-encodes and decodes to itself.
 *
 * <p>{@code ./mvnw -pl node test -Dtest=PacketCodecFuzzTest} (the normal suite) runs the seed inputs under
 * {@code src/test/resources/dev/wormholes/node/fuzz/PacketCodecFuzzTestInputs/} and an empty input (Jazzer's
 * regression mode: no fuzzing without {@code JAZZER_FUZZ}). The long run, bounded by
 * {@link FuzzRuns#MAX_EXECUTIONS} executions or {@link FuzzRuns#MAX_DURATION}:
 * {@code JAZZER_FUZZ=1 JAZZER_INSTRUMENTATION_INCLUDES='dev.wormholes.**' ./mvnw -B -o -pl node test -Dtest=PacketCodecFuzzTest -Dsurefire.failIfNoSpecifiedTests=false}
 * (see node/README.md "Fuzzing").
 */
class PacketCodecFuzzTest {
  @FuzzTest(maxDuration = FuzzRuns.MAX_DURATION, maxExecutions = FuzzRuns.MAX_EXECUTIONS)
  void decode(byte[] data) {
    DecodeResult r = PacketCodec.decode(data, 0);
    if (r instanceof DecodeResult.Ok ok) {
      DecodeResult again = PacketCodec.decode(PacketCodec.encode(ok.packet()), 0);
      if (!(again instanceof DecodeResult.Ok ok2) || !ok2.packet().equals(ok.packet())) {
        throw new AssertionError("a decoded packet does not decode again: " + again);
      }
    }
  }
}
