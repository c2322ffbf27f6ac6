package dev.wormholes.node.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.wormholes.nat.punch.PunchCodec;

/**
 * Fuzz: Hole-punch datagrams ({@code PunchCodec.decode}): any bytes decode to a message or to nothing, never an exception.
 *
 * <p>{@code ./mvnw -pl node test -Dtest=PunchCodecFuzzTest} (the normal suite) runs the seed inputs under
 * {@code src/test/resources/dev/wormholes/node/fuzz/PunchCodecFuzzTestInputs/} and an empty input (Jazzer's
 * regression mode: no fuzzing without {@code JAZZER_FUZZ}). The long run, bounded by
 * {@link FuzzRuns#MAX_EXECUTIONS} executions or {@link FuzzRuns#MAX_DURATION}:
 * {@code JAZZER_FUZZ=1 JAZZER_INSTRUMENTATION_INCLUDES='dev.wormholes.**' ./mvnw -B -o -pl node test -Dtest=PunchCodecFuzzTest -Dsurefire.failIfNoSpecifiedTests=false}
 * (see node/README.md "Fuzzing").
 */
class PunchCodecFuzzTest {
  @FuzzTest(maxDuration = FuzzRuns.MAX_DURATION, maxExecutions = FuzzRuns.MAX_EXECUTIONS)
  void decode(byte[] data) {
    PunchCodec.decode(data);
  }
}
