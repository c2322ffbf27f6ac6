package dev.wormholes.onion.cell;

import java.util.Arrays;

/**
 * The channel cell of tor-spec link protocol 4+: {@code CIRCID (4, big-endian) | COMMAND (1) |
 * PAYLOAD (509)}, {@value #CELL_BYTES} bytes, one per message on the link between neighbours.
 */
public final class ChannelCellCodec {
  /** Bytes in a payload, the size of a relay cell body. */
  public static final int PAYLOAD_BYTES = 509;
  /** Bytes in an encoded cell. */
  public static final int CELL_BYTES = 4 + 1 + PAYLOAD_BYTES;

  private ChannelCellCodec() {}

  /** Return the {@value #CELL_BYTES} bytes of {@code cell}. */
  public static byte[] encode(ChannelCell cell) {
    byte[] out = new byte[CELL_BYTES];
    long id = cell.circuitId();
    out[0] = (byte) (id >>> 24);
    out[1] = (byte) (id >>> 16);
    out[2] = (byte) (id >>> 8);
    out[3] = (byte) id;
    out[4] = (byte) cell.command().code();
    System.arraycopy(cell.payload(), 0, out, 5, PAYLOAD_BYTES);
    return out;
  }

  /** Decode {@code bytes[off..off+len)}: exactly one cell, circuit id non-zero where required. */
  public static CellDecodeResult<ChannelCell> decode(byte[] bytes, int off, int len) {
    if (len != CELL_BYTES || off < 0 || bytes.length - off < len) {
      return new CellDecodeResult.Dropped<>(CellDropReason.WRONG_CELL_SIZE);
    }
    long id = ((bytes[off] & 0xffL) << 24) | ((bytes[off + 1] & 0xffL) << 16)
        | ((bytes[off + 2] & 0xffL) << 8) | (bytes[off + 3] & 0xffL);
    CellCommand command = new CellCommand(bytes[off + 4] & 0xff);
    if (id == 0 && command.onCircuit()) {
      return new CellDecodeResult.Dropped<>(CellDropReason.ZERO_CIRCUIT_ID);
    }
    byte[] payload = Arrays.copyOfRange(bytes, off + 5, off + CELL_BYTES);
    return new CellDecodeResult.Ok<>(new ChannelCell(id, command, payload));
  }
}
