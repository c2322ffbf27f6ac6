package dev.wormholes.nat.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.io.BaseEncoding;
import dev.wormholes.proto.NodeId;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The relay datagram codec: golden hex, round trips, typed failures, 50 000 hostile datagrams. */
class RelayCodecTest {
  static final NodeId TARGET = NodeId.ofWords(0x0102030405060708L, 0, 0, 0xAAL);

  static String hex(byte[] b) {
    return BaseEncoding.base16().lowerCase().encode(b);
  }

  static byte[] unhex(String s) {
    return BaseEncoding.base16().lowerCase().decode(s);
  }

  @Test
  void goldenHex() {
    String prefix = "0f574801";
    String[][] table = {
      {prefix + "01" + "00000000000000ff" + "0102030405060708" + "00".repeat(23) + "aa",
          hex(RelayCodec.encode(new RelayMessage.Open(255, TARGET)))},
      {prefix + "02" + "0000000000000001" + "8000000000000002",
          hex(RelayCodec.encode(new RelayMessage.Opened(1, 0x8000000000000002L)))},
      {prefix + "03" + "0000000000000007" + "01",
          hex(RelayCodec.encode(new RelayMessage.Refused(7, RelayReason.UNKNOWN_TARGET)))},
      {prefix + "04" + "0000000000000009", hex(RelayCodec.encode(new RelayMessage.Incoming(9)))},
      {prefix + "05" + "0000000000000009", hex(RelayCodec.encode(new RelayMessage.Accept(9)))},
      {prefix + "06" + "0000000000000009" + "c1c2c3",
          hex(RelayCodec.encode(RelayCodec.data(9, new byte[] {0, (byte) 0xc1, (byte) 0xc2, (byte) 0xc3}, 1, 3)))},
      {prefix + "07" + "0000000000000009" + "11",
          hex(RelayCodec.encode(new RelayMessage.Close(9, RelayReason.IDLE)))},
      {prefix + "08" + "0000000000000009", hex(RelayCodec.encode(new RelayMessage.Keepalive(9)))},
    };
    for (String[] row : table) {
      assertEquals(row[0], row[1]);
      RelayDecoded d = RelayCodec.decode(unhex(row[0]));
      assertEquals(row[0], hex(RelayCodec.encode(assertInstanceOf(RelayDecoded.Ok.class, d).message())));
    }
    assertEquals(RelayCodec.OPEN_SIZE, RelayCodec.encode(new RelayMessage.Open(1, TARGET)).length);
  }

  static List<RelayMessage> samples() {
    byte[] packet = new byte[RelayCodec.MAX_PACKET];
    Arrays.fill(packet, (byte) 0x41);
    return List.of(new RelayMessage.Open(-1, TARGET), new RelayMessage.Opened(-2, -3),
        new RelayMessage.Refused(4, RelayReason.OVER_QUOTA), new RelayMessage.Incoming(5),
        new RelayMessage.Accept(6), RelayCodec.data(7, packet, 0, 1),
        RelayCodec.data(8, packet, 0, packet.length), new RelayMessage.Close(9, RelayReason.of(200)),
        new RelayMessage.Keepalive(10));
  }

  @Test
  void everyMessageRoundTripsAndAnswersToOpenAreNeverLarger() {
    for (RelayMessage m : samples()) {
      byte[] b = RelayCodec.encode(m);
      RelayMessage back = assertInstanceOf(RelayDecoded.Ok.class, RelayCodec.decode(b)).message();
      assertEquals(m.getClass(), back.getClass());
      assertArrayEquals(b, RelayCodec.encode(back), m.toString());
      assertTrue(b.length <= 1500);
    }
    assertEquals("code-200", RelayReason.of(200).name(), "unknown codes are kept");
    assertTrue(RelayCodec.encode(new RelayMessage.Opened(1, 2)).length <= RelayCodec.OPEN_SIZE);
    assertTrue(RelayCodec.encode(new RelayMessage.Refused(1, RelayReason.SELF)).length <= RelayCodec.OPEN_SIZE);
    assertEquals(RelayCodec.MAX_DATAGRAM, RelayCodec.encode(samples().get(6)).length);
  }

  @Test
  void dataKeepsTheDatagramWithoutCopying() {
    byte[] d = RelayCodec.encode(samples().get(5));
    RelayMessage.Data data = (RelayMessage.Data) ((RelayDecoded.Ok) RelayCodec.decode(d)).message();
    assertSame(d, data.datagram());
    assertEquals(RelayCodec.DATA_HEADER, data.packetOffset());
    assertEquals(1, data.packetLength());
  }

  @Test
  void typedFailures() {
    byte[] open = RelayCodec.encode(samples().get(0));
    assertFailure(RelayFailure.EMPTY, new byte[0]);
    assertFailure(RelayFailure.TOO_LARGE, new byte[RelayCodec.MAX_DATAGRAM + 1]);
    assertFailure(RelayFailure.NOT_RELAY, new byte[] {0x0E, 'W', 'H', 1, 1});
    assertFailure(RelayFailure.TRUNCATED, new byte[] {0x0F, 'W', 'H'});
    assertFailure(RelayFailure.BAD_MAGIC, new byte[] {0x0F, 'W', 'X', 1, 1});
    assertFailure(RelayFailure.BAD_VERSION, new byte[] {0x0F, 'W', 'H', 2, 1});
    assertFailure(RelayFailure.UNKNOWN_TYPE, new byte[] {0x0F, 'W', 'H', 1, 99});
    assertFailure(RelayFailure.TRUNCATED, Arrays.copyOf(open, open.length - 1));
    assertFailure(RelayFailure.TRAILING_BYTES, Arrays.copyOf(open, open.length + 1));
    assertFailure(RelayFailure.BAD_FIELD, unhex("0f57480106" + "0000000000000001"));
    assertFailure(RelayFailure.BAD_FIELD, unhex("0f57480106" + "0000000000000001" + "0d"));
  }

  private static void assertFailure(RelayFailure f, byte[] b) {
    assertEquals(f, assertInstanceOf(RelayDecoded.Failed.class, RelayCodec.decode(b)).failure(), hex(b));
  }

  @Test
  void fiftyThousandMutatedDatagramsNeverThrow() {
    long seed = 20261123L;
    System.out.println("RelayCodecTest seed " + seed);
    SplittableRandom r = new SplittableRandom(seed);
    List<byte[]> valid = samples().stream().map(RelayCodec::encode).toList();
    Map<RelayFailure, Integer> seen = new EnumMap<>(RelayFailure.class);
    int ok = 0;
    for (int i = 0; i < 50_000; i++) {
      byte[] b = mutate(r, valid.get(r.nextInt(valid.size())));
      RelayDecoded d = RelayCodec.decode(b); // must not throw
      if (d instanceof RelayDecoded.Failed f) {
        seen.merge(f.failure(), 1, Integer::sum);
      } else {
        ok++;
        assertArrayEquals(b, RelayCodec.encode(((RelayDecoded.Ok) d).message()), "decode then encode is identity");
      }
    }
    assertTrue(ok > 0 && seen.size() >= 6, "mutations reach many outcomes: ok=" + ok + " " + seen);
  }

  private static byte[] mutate(SplittableRandom r, byte[] base) {
    switch (r.nextInt(4)) {
      case 0: return Arrays.copyOf(base, r.nextInt(base.length + 2));
      case 1: {
        byte[] b = base.clone();
        b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
        return b;
      }
      case 2: {
        byte[] b = new byte[r.nextInt(1600)];
        r.nextBytes(b);
        System.arraycopy(RelayCodec.MAGIC, 0, b, 0, Math.min(4, b.length));
        if (b.length > 4) {
          b[4] = (byte) r.nextInt(10);
        }
        return b;
      }
      default: {
        byte[] b = new byte[r.nextInt(80)];
        r.nextBytes(b);
        return b;
      }
    }
  }
}
