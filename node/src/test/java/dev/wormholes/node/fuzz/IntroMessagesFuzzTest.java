package dev.wormholes.node.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.wormholes.onion.circuit.OnionConfig;
import dev.wormholes.onion.circuit.OnionEngine;
import dev.wormholes.onion.circuit.OnionEvent;
import dev.wormholes.onion.handshake.NtorV3;
import dev.wormholes.onion.intro.IntroConfig;
import dev.wormholes.onion.intro.IntroMessages;
import dev.wormholes.onion.intro.Introductions;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Fuzz: introduction and rendezvous messages ({@code onion.intro}): the body decoders on any bytes,
 * and a node's {@link Introductions} taking up to 64 messages of any intro command, body, circuit,
 * hop, neighbour and time step: it never throws, takes exactly its own commands, and holds no more services
 * and cookies than its limits.
 *
 * <p>{@code ./mvnw -pl node test -Dtest=IntroMessagesFuzzTest} replays the empty input (regression
 * mode); the long run as for the other fuzz tests (node/README.md "Fuzzing").
 */
class IntroMessagesFuzzTest {
  private static final byte[] SELF = Identity.fromSeed(new byte[32]).publicKey();
  private static final NodeId[] NEIGHBOURS = {neighbour(1), neighbour(2), neighbour(3)};

  private static NodeId neighbour(int b) {
    byte[] id = new byte[NodeId.BYTES];
    id[0] = (byte) b;
    return NodeId.of(id);
  }

  @FuzzTest(maxDuration = FuzzRuns.MAX_DURATION, maxExecutions = FuzzRuns.MAX_EXECUTIONS)
  void handle(FuzzedDataProvider in) {
    OnionEngine engine = new OnionEngine(SELF, List.of(NtorV3.OnionKeyPair.of(new byte[32])),
        OnionConfig.defaults(), new SplittableRandom(1));
    IntroConfig config = new IntroConfig(4, 4, 2, 20, 50, 5, 25, 50, 200, 20, 40, 3_600_000, 16, 4, 30_000);
    Introductions intros = new Introductions(engine, config, new SplittableRandom(2));
    long now = 0;
    for (int step = 0; step < 64 && in.remainingBytes() > 0; step++) {
      int command = in.consumeInt(IntroMessages.ESTABLISH_INTRO, IntroMessages.INTRODUCE_ACK + 1);
      long circuit = in.consumeInt(1, 6);
      int fromHop = in.consumeInt(-1, 3);
      now += in.consumeInt(0, 5_000);
      byte[] body = in.consumeBytes(in.consumeInt(0, 488));
      IntroMessages.keyed(body);
      IntroMessages.cookied(body, 1);
      IntroMessages.rendezvousInfo(body);
      IntroMessages.checkEstablishIntro(body, engine.self().toBytes());
      NodeId neighbour = NEIGHBOURS[in.consumeInt(0, NEIGHBOURS.length - 1)];
      boolean own = intros.handle(new OnionEvent.Data(circuit, fromHop, command, 0, body, new byte[16], neighbour), now);
      if (own != (command <= IntroMessages.INTRODUCE_ACK)) {
        throw new AssertionError("command " + command + " taken: " + own);
      }
      if (in.consumeBoolean()) {
        intros.circuitGone(circuit);
      }
      int[] held = intros.relayState();
      if (held[0] > config.maxIntroCircuits() || held[1] > config.maxCookies()) {
        throw new AssertionError("held " + held[0] + " services, " + held[1] + " cookies");
      }
    }
  }
}
