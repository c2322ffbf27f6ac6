package dev.wormholes.mainline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class BencodeTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static BencodeFailure failure(String s, BencodeDecoder.Limits limits) {
    return assertInstanceOf(BencodeDecoder.Result.Failed.class, BencodeDecoder.decode(b(s), limits)).reason();
  }

  private static BencodeFailure failure(String s) {
    return failure(s, BencodeDecoder.Limits.KRPC);
  }

  @Test
  void goldenRoundTrips() {
    for (String s : List.of("i0e", "i-42e", "i9223372036854775e", "0:", "4:spam", "le", "de",
        "l4:spami42ee", "d3:bar4:spam3:fooi42ee", "d1:ad1:bli1ei2eeee",
        "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe")) {
      BencodeDecoder.Result r = BencodeDecoder.decode(b(s));
      Bencode v = assertInstanceOf(BencodeDecoder.Result.Ok.class, r, s).value();
      assertArrayEquals(b(s), v.encode(), s);
    }
  }

  @Test
  void encoderSortsKeysAsRawBytes() {
    Bencode d = Bencode.dict().put("b", 1).put("a", 2).put("\u00ff", 3).put("B", 4).build();
    assertEquals("d1:Bi4e1:ai2e1:bi1e1:\u00ffi3ee", new String(d.encode(), StandardCharsets.ISO_8859_1));
  }

  @Test
  void malformedInputsAreTypedFailures() {
    assertEquals(BencodeFailure.TRUNCATED, failure(""));
    assertEquals(BencodeFailure.TRUNCATED, failure("i42"));
    assertEquals(BencodeFailure.TRUNCATED, failure("5:spam"));
    assertEquals(BencodeFailure.TRUNCATED, failure("l4:spam"));
    assertEquals(BencodeFailure.TRUNCATED, failure("d3:foo"));
    assertEquals(BencodeFailure.BAD_TYPE, failure("x"));
    assertEquals(BencodeFailure.BAD_INTEGER, failure("ie"));
    assertEquals(BencodeFailure.BAD_INTEGER, failure("i03e"));
    assertEquals(BencodeFailure.BAD_INTEGER, failure("i-0e"));
    assertEquals(BencodeFailure.BAD_INTEGER, failure("i1x2e"));
    assertEquals(BencodeFailure.BAD_INTEGER, failure("i99999999999999999999999e"));
    assertEquals(BencodeFailure.BAD_TYPE, failure("-1:a"));
    assertEquals(BencodeFailure.BAD_LENGTH, failure("l1-:ae"));
    assertEquals(BencodeFailure.BAD_LENGTH, failure("01:a"));
    assertEquals(BencodeFailure.BAD_LENGTH, failure("99999999999999999999:a"));
    assertEquals(BencodeFailure.BAD_KEY, failure("di1ei2ee"));
    assertEquals(BencodeFailure.UNSORTED_KEYS, failure("d1:bi1e1:ai2ee"));
    assertEquals(BencodeFailure.UNSORTED_KEYS, failure("d1:ai1e1:ai2ee"));
    assertEquals(BencodeFailure.TRAILING_DATA, failure("i1ei2e"));
  }

  @Test
  void limitsHold() {
    assertEquals(BencodeFailure.TOO_DEEP, failure("l".repeat(9) + "e".repeat(9)));
    assertInstanceOf(BencodeDecoder.Result.Ok.class, BencodeDecoder.decode(b("l".repeat(8) + "e".repeat(8))));
    assertEquals(BencodeFailure.TOO_DEEP, failure("l".repeat(100_000), new BencodeDecoder.Limits(1 << 20, 8, 512)));
    assertEquals(BencodeFailure.TOO_LARGE, failure("1501:" + "x".repeat(1501)));
    assertEquals(BencodeFailure.TOO_MANY_ITEMS, failure("l" + "0:".repeat(512) + "e"));
    assertInstanceOf(BencodeDecoder.Result.Ok.class, BencodeDecoder.decode(b("l" + "0:".repeat(511) + "e")));
  }
}
