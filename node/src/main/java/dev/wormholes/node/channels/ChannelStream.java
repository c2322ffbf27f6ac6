package dev.wormholes.node.channels;

import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.node.stream.StreamAsk;
import dev.wormholes.people.channels.Channels;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One exchange on one stream of {@link ChannelService#SERVICE}: the asker writes one message with
 * a 4-byte length in front, the other side answers one message the same way (or closes without
 * one), then both ends close. A frame over {@link Channels#MAX_MESSAGE_BYTES} closes the stream.
 */
final class ChannelStream {
  private ChannelStream() {}

  private static final StreamAsk.AnswerDecoder<byte[]> ANSWERS =
      StreamAsk.AnswerDecoder.framed(Channels.MAX_MESSAGE_BYTES, bytes -> bytes);

  /** Serve an incoming {@code stream}: answer its one message with {@code answer} (which may complete on any thread). */
  static void serve(SecureStream stream, Function<byte[], CompletableFuture<Optional<byte[]>>> answer) {
    StreamAsk.serve(stream, Channels.MAX_MESSAGE_BYTES, ANSWERS, answer);
  }

  /** Send {@code message} on the outgoing {@code stream}; complete with the answer. */
  static CompletableFuture<byte[]> ask(SecureStream stream, byte[] message) {
    return StreamAsk.ask(stream, message, ANSWERS);
  }
}
