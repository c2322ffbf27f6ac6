package dev.wormholes.onion.cell;

/**
 * The relay message header in a counter-Galois-onion relay cell body (after the 16-byte tag that
 * the relay crypto owns): {@code TAG (16) | COMMAND (1) | LENGTH (2) | STREAM_ID (2) | DATA
 * (LENGTH) | zero padding}, all big-endian. Unlike proposal 359's format the stream id is always
 * present, so one layout serves every command.
 */
public final class RelayMessageCodec {
  /** Bytes the relay crypto owns at the start of the body. */
  public static final int TAG_BYTES = 16;
  /** Bytes of the header after the tag. */
  public static final int HEADER_BYTES = 5;
  /** Most data bytes in one message. */
  public static final int MAX_DATA = ChannelCellCodec.PAYLOAD_BYTES - TAG_BYTES - HEADER_BYTES;

  private RelayMessageCodec() {}

  /** Write {@code m} into {@code body} (509 bytes) after the tag, zero-padding the rest. */
  public static void encode(RelayMessage m, byte[] body) {
    if (body.length != ChannelCellCodec.PAYLOAD_BYTES) {
      throw new IllegalArgumentException("a relay cell body is 509 bytes");
    }
    int at = TAG_BYTES;
    body[at] = (byte) m.command();
    body[at + 1] = (byte) (m.data().length >>> 8);
    body[at + 2] = (byte) m.data().length;
    body[at + 3] = (byte) (m.streamId() >>> 8);
    body[at + 4] = (byte) m.streamId();
    System.arraycopy(m.data(), 0, body, at + HEADER_BYTES, m.data().length);
    java.util.Arrays.fill(body, at + HEADER_BYTES + m.data().length, body.length, (byte) 0);
  }

  /** Decode the message of a recognised, decrypted body. */
  public static CellDecodeResult<RelayMessage> decode(byte[] body) {
    if (body.length != ChannelCellCodec.PAYLOAD_BYTES) {
      return new CellDecodeResult.Dropped<>(CellDropReason.WRONG_BODY_SIZE);
    }
    int at = TAG_BYTES;
    int length = ((body[at + 1] & 0xff) << 8) | (body[at + 2] & 0xff);
    if (length > MAX_DATA) {
      return new CellDecodeResult.Dropped<>(CellDropReason.DATA_TOO_LONG);
    }
    int streamId = ((body[at + 3] & 0xff) << 8) | (body[at + 4] & 0xff);
    byte[] data = java.util.Arrays.copyOfRange(body, at + HEADER_BYTES, at + HEADER_BYTES + length);
    return new CellDecodeResult.Ok<>(new RelayMessage(body[at] & 0xff, streamId, data));
  }
}
