package dev.wormholes.node.people;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.node.stream.StreamAsk;
import dev.wormholes.node.stream.StreamEnds;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
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

  /** Serve {@code stream} (incoming): answer its one request with {@code answer} (given the stream). */
  static <Q extends MessageLite> void serve(SecureStream stream, Parser<Q> requests,
      BiFunction<SecureStream, Q, MessageLite> answer, MessageLite malformed) {
    // The OK answer goes out raw, before the framing is installed; reading starts on a later turn
    // of the stream's event loop (we are on it), after the handlers below are in place.
    stream.accept();
    stream.channel().pipeline()
        .addLast(new LengthFieldBasedFrameDecoder(MAX_MESSAGE, 0, 4, 0, 4))
        .addLast(new LengthFieldPrepender(4))
        .addLast(new SimpleChannelInboundHandler<ByteBuf>() {
          private boolean answered;

          @Override
          protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            if (answered) {
              return;
            }
            answered = true;
            MessageLite reply;
            try {
              reply = answer.apply(stream, requests.parseFrom(ByteBufUtil.getBytes(frame)));
            } catch (InvalidProtocolBufferException e) {
              reply = malformed;
            }
            ctx.writeAndFlush(Unpooled.wrappedBuffer(reply.toByteArray()))
                .addListener(f -> StreamEnds.endOutput((DuplexChannel) ctx.channel())
                    .addListener(g -> ctx.close()));
          }

          @Override
          public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
          }
        });
  }

  /** Send {@code request} on {@code stream} (outgoing) and complete with the one answer. */
  static <A extends MessageLite> CompletableFuture<A> ask(SecureStream stream, MessageLite request,
      Parser<A> answers) {
    return StreamAsk.ask(stream, request.toByteArray(), StreamAsk.AnswerDecoder.framed(MAX_MESSAGE, answers::parseFrom));
  }
}
