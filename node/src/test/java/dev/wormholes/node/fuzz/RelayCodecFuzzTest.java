package dev.wormholes.node.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.wormholes.nat.relay.RelayCodec;
import dev.wormholes.nat.relay.RelayDecoded;

/**
 * Fuzz: Relay datagrams ({@code RelayCodec.decode}): any bytes decode to a message or a typed failure; a decoded message re-encodes to bytes that decode again.
 *
 * <p>{@code ./mvnw -pl node test -Dtest=RelayCodecFuzzTest} (the normal suite) runs the seed inputs under
 * {@code src/test/resources/dev/wormholes/node/fuzz/RelayCodecFuzzTestInputs/} and an empty input (Jazzer's
 * regression mode: no fuzzing without {@code JAZZER_FUZZ}). The long run, bounded by
 * {@link FuzzRuns#MAX_EXECUTIONS} executions or {@link FuzzRuns#MAX_DURATION}:
 * {@code JAZZER_FUZZ=1 JAZZER_INSTRUMENTATION_INCLUDES='dev.wormholes.**' ./mvnw -B -o -pl node test -Dtest=RelayCodecFuzzTest -Dsurefire.failIfNoSpecifiedTests=false}
 * (see node/README.md "Fuzzing").
 */
class RelayCodecFuzzTest {
  @FuzzTest(maxDuration = FuzzRuns.MAX_DURATION, maxExecutions = FuzzRuns.MAX_EXECUTIONS)
  void decode(byte[] data) {
    RelayDecoded r = RelayCodec.decode(data);
    if (r instanceof RelayDecoded.Ok ok && !(RelayCodec.decode(RelayCodec.encode(ok.message())) instanceof RelayDecoded.Ok)) {
      throw new AssertionError("a decoded message does not decode again: " + ok.message());
    }
  }
}
