package dev.wormholes.onion.cell;

/**
 * A relay message inside a decrypted relay cell body.
 *
 * @param command the relay command (DATA, BEGIN, EXTEND2, SENDME, ...), an open byte code
 * @param streamId the stream, 0 for messages about the circuit itself
 * @param data at most {@link RelayMessageCodec#MAX_DATA} bytes
 */
public record RelayMessage(int command, int streamId, byte[] data) {
  /** Check the ranges. */
  public RelayMessage {
    if (command < 0 || command > 255 || streamId < 0 || streamId > 0xffff
        || data.length > RelayMessageCodec.MAX_DATA) {
      throw new IllegalArgumentException("command u8, stream id u16, data <= " + RelayMessageCodec.MAX_DATA);
    }
  }
}
