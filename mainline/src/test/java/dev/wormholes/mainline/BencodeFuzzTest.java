package dev.wormholes.mainline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The decoder against hostile bytes: seeded mutations of real KRPC messages (bit flips, byte
 * insertions and deletions, splices, digit runs), and QuickTheories' random byte arrays. It never
 * throws, and whatever it accepts re-encodes to exactly the input (canonical form only).
 */
class BencodeFuzzTest {
  private static final List<byte[]> SEEDS = List.of(
      Krpc.query(new byte[] {1, 2}, "find_node", Bencode.dict().put("id", new byte[20]).put("target", new byte[20]).build(), true),
      Krpc.response(new byte[] {1, 2}, Bencode.dict().put("id", new byte[20]).put("nodes", new byte[52])
          .put("values", Bencode.list(List.of(Bencode.bytes(new byte[6]), Bencode.bytes(new byte[6])))).build(),
          new java.net.InetSocketAddress("127.0.0.1", 6881)),
      Krpc.error(new byte[] {9}, 203, "bad token"),
      Bencode.dict().put("k", new byte[32]).put("seq", 7).put("sig", new byte[64])
          .put("v", Bencode.dict().put("a", Bencode.list(List.of(Bencode.integer(-5), Bencode.text("x")))).build()).build().encode());

  @Test
  void seededMutationsNeverThrowAndAcceptOnlyCanonicalBytes() {
    long seed = Long.getLong("mainline.seed", System.nanoTime());
    System.out.println("BencodeFuzzTest seed " + seed + " (replay with -Dmainline.seed=" + seed + ")");
    SplittableRandom r = new SplittableRandom(seed);
    int accepted = 0;
    for (int i = 0; i < 100_000; i++) {
      byte[] in = mutate(SEEDS.get(r.nextInt(SEEDS.size())), r);
      if (check(in)) {
        accepted++;
      }
    }
    assertTrue(accepted > 0, "some mutants stay valid");
  }

  @Test
  void randomBytesNeverThrow() {
    // Bytes drawn from bencode's own alphabet most of the time, so inputs get past the first byte.
    String alphabet = "0123456789ilde:-x";
    qt().withExamples(20_000).forAll(lists().of(integers().between(0, 2 * alphabet.length())).ofSizeBetween(0, 120))
        .checkAssert(codes -> {
          byte[] in = new byte[codes.size()];
          for (int i = 0; i < in.length; i++) {
            int c = codes.get(i);
            in[i] = (byte) (c < alphabet.length() ? alphabet.charAt(c) : c * 37);
          }
          check(in);
        });
  }

  private static boolean check(byte[] in) {
    BencodeDecoder.Result res = BencodeDecoder.decode(in);
    Krpc.decode(in); // and the KRPC layer above it never throws either
    if (res instanceof BencodeDecoder.Result.Ok ok) {
      assertArrayEquals(in, ok.value().encode());
      return true;
    }
    assertEquals(BencodeDecoder.Result.Failed.class, res.getClass());
    return false;
  }

  private static byte[] mutate(byte[] seed, SplittableRandom r) {
    byte[] b = seed.clone();
    int n = 1 + r.nextInt(4);
    for (int m = 0; m < n; m++) {
      int at = b.length == 0 ? 0 : r.nextInt(b.length);
      switch (r.nextInt(5)) {
        case 0 -> {
          if (b.length > 0) {
            b[at] ^= (byte) (1 << r.nextInt(8));
          }
        }
        case 1 -> b = splice(b, at, new byte[] {(byte) "0123456789ilde:-".charAt(r.nextInt(16))}, 0);
        case 2 -> b = splice(b, at, new byte[0], Math.min(1 + r.nextInt(4), b.length - at));
        case 3 -> b = splice(b, at, "9".repeat(1 + r.nextInt(12)).getBytes(), 0);
        default -> {
          byte[] other = SEEDS.get(r.nextInt(SEEDS.size()));
          int from = r.nextInt(other.length);
          b = splice(b, at, java.util.Arrays.copyOfRange(other, from, Math.min(other.length, from + r.nextInt(30))), 0);
        }
      }
    }
    return b;
  }

  private static byte[] splice(byte[] b, int at, byte[] insert, int delete) {
    byte[] out = new byte[b.length - delete + insert.length];
    System.arraycopy(b, 0, out, 0, at);
    System.arraycopy(insert, 0, out, at, insert.length);
    System.arraycopy(b, at + delete, out, at + insert.length, b.length - at - delete);
    return out;
  }
}
