package dev.wormholes.node.whisper;

import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.node.stream.StreamAsk;
import dev.wormholes.people.WhisperOutbox.Answer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One whisper on one stream of {@link Whispers#SERVICE}: the sender writes the message with a
 * 4-byte length in front; the recipient answers one {@link Answer} byte (its ordinal) once the
 * whisper is durably stored (or refused); then both ends close. A frame over {@link
 * WhisperMessage#MAX_BYTES} closes the stream unanswered.
 */
final class WhisperStream {
  private WhisperStream() {}

  private static final StreamAsk.AnswerDecoder<Answer> ANSWERS =
      StreamAsk.AnswerDecoder.oneByte(b -> Answer.of(b[0] & 0xff));

  /** Serve an incoming {@code stream}: answer its one whisper with {@code take} (run on the stream's loop). */
  static void serve(SecureStream stream, Function<byte[], Answer> take) {
    StreamAsk.serve(stream, WhisperMessage.MAX_BYTES, ANSWERS,
        bytes -> CompletableFuture.completedFuture(Optional.of(new byte[] {(byte) take.apply(bytes).ordinal()})));
  }

  /** Send {@code message} on the outgoing {@code stream}; complete with the recipient's answer. */
  static CompletableFuture<Answer> send(SecureStream stream, byte[] message) {
    return StreamAsk.ask(stream, message, ANSWERS);
  }
}
