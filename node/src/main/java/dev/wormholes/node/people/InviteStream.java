package dev.wormholes.node.people;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.node.stream.StreamAsk;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/**
 * One request and one answer on a stream of an internal service ({@link People#SERVICE}: the
 * acceptor's {@code InviteAccept} and the inviter's {@code InviteAnswer}; {@link LogSync#SERVICE}:
 * a {@code PersonaRequest} and its {@code PersonaAnswer}): one length-prefixed (4 bytes, big-endian)
 * protobuf message each way, then both ends close.
 */
final class InviteStream {
  /** Most bytes of one message: a key log at its limit and a little more. */
  static final int MAX_MESSAGE = dev.wormholes.people.KeyLog.MAX_LOG_BYTES + 4096;

  private InviteStream() {}

  /** Serve {@code stream} (incoming): answer its one request with {@code answer} (given the stream), a request that does not parse with {@code malformed}. */
  static <Q extends MessageLite> void serve(SecureStream stream, Parser<Q> requests,
      BiFunction<SecureStream, Q, MessageLite> answer, MessageLite malformed) {
    StreamAsk.serve(stream, MAX_MESSAGE, StreamAsk.AnswerDecoder.framed(MAX_MESSAGE, bytes -> bytes), bytes -> {
      MessageLite reply;
      try {
        reply = answer.apply(stream, requests.parseFrom(bytes));
      } catch (InvalidProtocolBufferException e) {
        reply = malformed;
      }
      return CompletableFuture.completedFuture(Optional.of(reply.toByteArray()));
    });
  }

  /** Send {@code request} on {@code stream} (outgoing) and complete with the one answer. */
  static <A extends MessageLite> CompletableFuture<A> ask(SecureStream stream, MessageLite request,
      Parser<A> answers) {
    return StreamAsk.ask(stream, request.toByteArray(), StreamAsk.AnswerDecoder.framed(MAX_MESSAGE, answers::parseFrom));
  }
}
