package dev.wormholes.networks;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.wormholes.proto.NodeId;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Properties of sealed datagrams. */
class SealPropertiesTest {
  @Test
  void anyMutationOfASealedDatagramFailsToOpen() {
    qt().withExamples(400)
        .forAll(longs().all(), integers().between(0, 600), integers().between(0, 2), integers().between(1, 255))
        .checkAssert((seed, length, kind, mask) -> {
          Random random = new Random(seed);
          byte[] secret = new byte[32];
          random.nextBytes(secret);
          Keyring<String> sender = new Keyring<>(random, 0, NodeId.ofWords(1, 1, 1, 1));
          Keyring<String> receiver = new Keyring<>(random, 0, NodeId.ofWords(2, 2, 2, 2));
          sender.install("n", 1, SealKey.of(secret, SealKey.Use.EPOCH), 0);
          receiver.install("n", 1, SealKey.of(secret, SealKey.Use.EPOCH), 0);
          byte[] plain = new byte[length];
          random.nextBytes(plain);
          byte[] d = sender.seal("n", NodeId.ofWords(2, 2, 2, 2), plain, 1_000);
          byte[] mutated = switch (kind) {
            case 0 -> { // flip bits of one byte
              byte[] m = d.clone();
              m[random.nextInt(m.length)] ^= (byte) (int) mask;
              yield m;
            }
            case 1 -> java.util.Arrays.copyOf(d, random.nextInt(d.length)); // truncate
            default -> { // append
              byte[] m = java.util.Arrays.copyOf(d, d.length + 1 + random.nextInt(16));
              m[d.length] = (byte) (int) mask;
              yield m;
            }
          };
          assertInstanceOf(Keyring.Opened.Dropped.class, receiver.open(mutated, 0),
              () -> "seed " + seed + " kind " + kind);
          assertInstanceOf(Keyring.Opened.Ok.class, receiver.open(d, 0), () -> "seed " + seed);
        });
  }
}
