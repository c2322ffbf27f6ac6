package dev.wormholes.onion.cell;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.wormholes.onion.Hex;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Golden-hex round trips, typed drops, and a seeded-mutation fuzz of both cell decoders. */
class CellCodecTest {

  @Test
  void channelCellGoldenHex() {
    byte[] payload = new byte[ChannelCellCodec.PAYLOAD_BYTES];
    payload[0] = 0x2a;
    payload[508] = (byte) 0xff;
    ChannelCell cell = new ChannelCell(0x80000001L, CellCommand.RELAY_EARLY, payload);
    byte[] wire = ChannelCellCodec.encode(cell);
    assertEquals("80000001092a", Hex.of(Arrays.copyOf(wire, 6)));
    assertEquals("ff", Hex.of(Arrays.copyOfRange(wire, 513, 514)));
    assertEquals(514, wire.length);
    ChannelCell back = ok(ChannelCellCodec.decode(wire, 0, wire.length));
    assertEquals(cell.circuitId(), back.circuitId());
    assertEquals(CellCommand.RELAY_EARLY, back.command());
    assertArrayEquals(payload, back.payload());
  }

  @Test
  void channelCellDrops() {
    byte[] wire = ChannelCellCodec.encode(new ChannelCell(7, CellCommand.RELAY, new byte[509]));
    assertEquals(CellDropReason.WRONG_CELL_SIZE, dropped(ChannelCellCodec.decode(wire, 0, 513)));
    assertEquals(CellDropReason.WRONG_CELL_SIZE, dropped(ChannelCellCodec.decode(wire, 1, 514)));
    assertEquals(CellDropReason.WRONG_CELL_SIZE, dropped(ChannelCellCodec.decode(wire, -1, 514)));
    wire[3] = 0;
    assertEquals(CellDropReason.ZERO_CIRCUIT_ID, dropped(ChannelCellCodec.decode(wire, 0, 514)));
    wire[4] = 0; // PADDING may have circuit id 0
    assertEquals(CellCommand.PADDING, ok(ChannelCellCodec.decode(wire, 0, 514)).command());
    wire[4] = (byte) 200; // unknown commands are kept
    wire[3] = 1;
    assertEquals(200, ok(ChannelCellCodec.decode(wire, 0, 514)).command().code());
  }

  @Test
  void relayMessageGoldenHex() {
    byte[] body = new byte[509];
    Arrays.fill(body, (byte) 0xee);
    RelayMessageCodec.encode(new RelayMessage(2, 0x0102, Hex.bytes("cafe")), body);
    assertEquals("eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee" + "02" + "0002" + "0102" + "cafe" + "0000",
        Hex.of(Arrays.copyOf(body, 16 + 5 + 2 + 2)));
    RelayMessage m = ok(RelayMessageCodec.decode(body));
    assertEquals(2, m.command());
    assertEquals(0x0102, m.streamId());
    assertEquals("cafe", Hex.of(m.data()));
    RelayMessageCodec.encode(new RelayMessage(1, 0, new byte[RelayMessageCodec.MAX_DATA]), body);
    assertEquals(488, ok(RelayMessageCodec.decode(body)).data().length);
  }

  @Test
  void relayMessageDrops() {
    byte[] body = new byte[509];
    body[17] = 0x01;
    body[18] = (byte) 0xe9; // 489 > 488
    assertEquals(CellDropReason.DATA_TOO_LONG, dropped(RelayMessageCodec.decode(body)));
    assertEquals(CellDropReason.WRONG_BODY_SIZE, dropped(RelayMessageCodec.decode(new byte[508])));
  }

  @Test
  void fuzzDecodersNeverThrowAndOkRoundTrips() {
    qt().withExamples(3000).forAll(longs().all(), integers().between(0, 16))
        .checkAssert((seed, mutations) -> {
          Random r = new Random(seed);
          // A valid cell, then seeded mutations: byte flips, truncation, extension.
          byte[] payload = new byte[509];
          r.nextBytes(payload);
          RelayMessageCodec.encode(new RelayMessage(r.nextInt(256), r.nextInt(65536),
              new byte[r.nextInt(RelayMessageCodec.MAX_DATA + 1)]), payload);
          byte[] wire = ChannelCellCodec.encode(new ChannelCell(1 + r.nextInt(1 << 30),
              new CellCommand(r.nextInt(256)), payload));
          for (int i = 0; i < mutations; i++) {
            switch (wire.length == 0 ? 3 : r.nextInt(4)) {
              case 0 -> wire[r.nextInt(wire.length)] ^= (byte) (1 << r.nextInt(8));
              case 1 -> wire[r.nextInt(wire.length)] = (byte) r.nextInt(256);
              case 2 -> wire = Arrays.copyOf(wire, r.nextInt(wire.length + 1));
              default -> wire = Arrays.copyOf(wire, wire.length + 1 + r.nextInt(8));
            }
          }
          CellDecodeResult<ChannelCell> cell = ChannelCellCodec.decode(wire, 0, wire.length);
          if (cell instanceof CellDecodeResult.Ok<ChannelCell> okCell) {
            assertArrayEquals(wire, ChannelCellCodec.encode(okCell.value()), "seed " + seed);
            CellDecodeResult<RelayMessage> m = RelayMessageCodec.decode(okCell.value().payload());
            if (m instanceof CellDecodeResult.Ok<RelayMessage> okMessage) {
              byte[] again = okCell.value().payload().clone();
              RelayMessageCodec.encode(okMessage.value(), again);
              int used = 21 + okMessage.value().data().length;
              assertArrayEquals(Arrays.copyOf(okCell.value().payload(), used), Arrays.copyOf(again, used));
            } else {
              assertEquals(CellDropReason.DATA_TOO_LONG, ((CellDecodeResult.Dropped<RelayMessage>) m).reason());
            }
          } else {
            CellDropReason reason = ((CellDecodeResult.Dropped<ChannelCell>) cell).reason();
            assertTrue(wire.length != 514 || reason == CellDropReason.ZERO_CIRCUIT_ID, "seed " + seed);
          }
        });
  }

  private static <T> T ok(CellDecodeResult<T> r) {
    return ((CellDecodeResult.Ok<T>) r).value();
  }

  private static CellDropReason dropped(CellDecodeResult<?> r) {
    return ((CellDecodeResult.Dropped<?>) r).reason();
  }
}
