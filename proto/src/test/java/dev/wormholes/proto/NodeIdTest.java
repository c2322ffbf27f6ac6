package dev.wormholes.proto;

import static dev.wormholes.proto.Gens.bitIndices;
import static dev.wormholes.proto.Gens.ids;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Properties of {@link NodeId}, checked against an independent model: the id as an unsigned
 * 256-bit {@link BigInteger}.
 */
class NodeIdTest {
  private static final NodeId ZERO = NodeId.ofWords(0, 0, 0, 0);

  private static BigInteger big(NodeId id) {
    return new BigInteger(1, id.toBytes());
  }

  @Test
  void bytesRoundTrip() {
    qt().forAll(Gens.bytes(32, 32)).checkAssert(b -> {
      NodeId id = NodeId.of(b);
      assertArrayEquals(b, id.toBytes());
      assertEquals(id, NodeId.of(id.toBytes()));
      assertEquals(Optional.of(id), NodeId.tryOf(b));
    });
  }

  @Test
  void wordsAreBigEndian() {
    qt().forAll(ids()).checkAssert(id -> {
      BigInteger v = big(id);
      for (int i = 0; i < 4; i++) {
        assertEquals(v.shiftRight(64 * (3 - i)).longValue(), id.word(i), "word " + i);
      }
    });
  }

  @Test
  void textRoundTrip() {
    qt().forAll(ids()).checkAssert(id -> {
      String text = id.toString();
      assertEquals(NodeId.TEXT_LENGTH, text.length());
      assertTrue(text.matches("[a-z2-7]{52}"), text);
      assertEquals(Optional.of(id), NodeId.parse(text));
      assertEquals(Optional.of(id), NodeId.parse(" " + text.toUpperCase() + "\n"), "pasted, upper case");
      assertEquals(text.substring(0, 8), id.shortString());
    });
  }

  @Test
  void xorIsSymmetricAndSelfInverse() {
    qt().forAll(ids(), ids()).checkAssert((a, b) -> {
      assertEquals(a.xor(b), b.xor(a));
      assertEquals(ZERO, a.xor(a));
      assertEquals(a, a.xor(b).xor(b));
      assertEquals(big(a).xor(big(b)), big(a.xor(b)));
    });
  }

  @Test
  void compareDistanceAgreesWithComparingXor() {
    qt().forAll(ids(), ids(), ids()).checkAssert((t, a, b) -> {
      int expected = Integer.signum(big(a.xor(t)).compareTo(big(b.xor(t))));
      assertEquals(expected, Integer.signum(t.compareDistance(a, b)));
      assertEquals(expected, Integer.signum(a.xor(t).compareTo(b.xor(t))));
      assertEquals(-expected, Integer.signum(t.compareDistance(b, a)));
    });
  }

  @Test
  void compareDistanceOnIdsSharingPrefixes() {
    // Random ids differ in the first bit half the time; make the near-ties explicitly.
    qt().forAll(ids(), bitIndices(), bitIndices()).checkAssert((t, i, j) -> {
      NodeId a = t.flipBit(i);
      NodeId b = t.flipBit(j);
      assertEquals(Integer.signum(Integer.compare(j, i)), Integer.signum(t.compareDistance(a, b)),
          "flipping a later bit stays closer");
      assertEquals(Integer.signum(big(a.xor(t)).compareTo(big(b.xor(t)))), Integer.signum(t.compareDistance(a, b)));
    });
  }

  @Test
  void compareToIsUnsignedBigEndian() {
    qt().forAll(ids(), ids()).checkAssert((a, b) ->
        assertEquals(Integer.signum(big(a).compareTo(big(b))), Integer.signum(a.compareTo(b))));
  }

  @Test
  void commonPrefixLengthCountsLeadingEqualBits() {
    qt().forAll(ids(), ids()).checkAssert((a, b) -> {
      int expected = NodeId.BITS - big(a.xor(b)).bitLength();
      assertEquals(expected, a.commonPrefixLength(b));
      assertEquals(expected, b.commonPrefixLength(a));
    });
    qt().forAll(ids()).checkAssert(a -> assertEquals(NodeId.BITS, a.commonPrefixLength(a)));
  }

  @Test
  void commonPrefixLengthOfControlledPrefix() {
    // b shares exactly p leading bits with a: flip bit p, randomise everything after it.
    qt().forAll(ids(), ids(), bitIndices()).checkAssert((a, r, p) -> {
      BigInteger low = BigInteger.ONE.shiftLeft(NodeId.BITS - 1 - p).subtract(BigInteger.ONE);
      BigInteger mask = big(r).and(low);
      NodeId b = fromBig(big(a.flipBit(p)).xor(mask));
      assertEquals(p, a.commonPrefixLength(b));
    });
  }

  @Test
  void flipBitFlipsExactlyThatBit() {
    qt().forAll(ids(), bitIndices()).checkAssert((a, i) -> {
      NodeId f = a.flipBit(i);
      assertEquals(!a.bit(i), f.bit(i));
      assertEquals(a, f.flipBit(i));
      assertEquals(i, a.commonPrefixLength(f));
      assertEquals(1, big(a.xor(f)).bitCount());
      assertEquals(big(a).testBit(NodeId.BITS - 1 - i), a.bit(i));
    });
  }

  @Test
  void equalIdsHashAlike() {
    qt().forAll(ids()).checkAssert(a -> {
      NodeId copy = NodeId.of(a.toBytes());
      assertEquals(a, copy);
      assertEquals(a.hashCode(), copy.hashCode());
    });
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 31, 33, 64})
  void wrongByteLengthsAreRefused(int length) {
    assertEquals(Optional.empty(), NodeId.tryOf(new byte[length]));
    assertThrows(IllegalArgumentException.class, () -> NodeId.of(new byte[length]));
  }

  @Test
  void parseRefusesWrongLengths() {
    String text = NodeId.ofWords(1, 2, 3, 4).toString();
    assertEquals(Optional.empty(), NodeId.parse(""));
    assertEquals(Optional.empty(), NodeId.parse(text.substring(1)));
    assertEquals(Optional.empty(), NodeId.parse(text + "a"));
    assertEquals(Optional.empty(), NodeId.parse(text.substring(0, 51)));
  }

  @Test
  void parseRefusesNonCanonicalText() {
    // 52 characters carry 260 bits; the last character holds the id's lowest bit and 4 zero bits,
    // so it is 'a' (0) or 'q' (16). Any other last character decodes to the same 32 bytes.
    qt().forAll(ids()).checkAssert(id -> {
      String text = id.toString();
      char last = text.charAt(51);
      assertTrue(last == 'a' || last == 'q', text);
      for (char c : "bcdefghijklmnoprstuvwxyz234567".toCharArray()) {
        assertEquals(Optional.empty(), NodeId.parse(text.substring(0, 51) + c), "last char " + c);
      }
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "1", "8", "9", "=", "!", "-", "é", " "})
  void parseRefusesInvalidCharacters(String bad) {
    String text = NodeId.ofWords(-1, 7, 0, 42).toString();
    char[] chars = text.toCharArray();
    for (int pos : new int[] {0, 25, 50}) {
      String t = text.substring(0, pos) + bad + text.substring(pos + 1);
      assertEquals(Optional.empty(), NodeId.parse(t), "'" + bad + "' at " + pos);
    }
    assertEquals(Optional.of(NodeId.ofWords(-1, 7, 0, 42)), NodeId.parse(new String(chars)));
  }

  @Test
  void paddedTextIsRefused() {
    String text = NodeId.ofWords(5, 6, 7, 8).toString();
    assertEquals(Optional.empty(), NodeId.parse(text.substring(0, 48) + "===="));
  }

  @Test
  void knownTextForm() {
    byte[] b = new byte[32];
    Arrays.fill(b, (byte) 0xFF);
    // 256 one bits: 51 'z'-valued (31 = '7') groups and then one bit followed by four zero bits.
    assertEquals("7".repeat(51) + "q", NodeId.of(b).toString());
    assertEquals("a".repeat(52), ZERO.toString());
  }

  private static NodeId fromBig(BigInteger v) {
    byte[] raw = v.toByteArray();
    byte[] b = new byte[32];
    int n = Math.min(raw.length, 32);
    System.arraycopy(raw, raw.length - n, b, 32 - n, n);
    return NodeId.of(b);
  }
}
