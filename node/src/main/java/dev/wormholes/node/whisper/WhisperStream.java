package dev.wormholes.node.whisper;

import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.node.stream.StreamAsk;
import dev.wormholes.node.stream.StreamEnds;
import dev.wormholes.people.WhisperOutbox.Answer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
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

  /** Serve an incoming {@code stream}: answer its one whisper with {@code take} (run on the stream's loop). */
  static void serve(SecureStream stream, Function<byte[], Answer> take) {
    stream.accept();
    stream.channel().pipeline()
        .addLast(new LengthFieldBasedFrameDecoder(WhisperMessage.MAX_BYTES, 0, 4, 0, 4))
        .addLast(new SimpleChannelInboundHandler<ByteBuf>() {
          private boolean answered;

          @Override
          protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            if (answered) {
              return;
            }
            answered = true;
            Answer a = take.apply(ByteBufUtil.getBytes(frame));
            ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {(byte) a.ordinal()}))
                .addListener(f -> StreamEnds.endOutput((DuplexChannel) ctx.channel()).addListener(g -> ctx.close()));
          }

          @Override
          public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
          }
        });
  }

  /** Send {@code message} on the outgoing {@code stream}; complete with the recipient's answer. */
  static CompletableFuture<Answer> send(SecureStream stream, byte[] message) {
    return StreamAsk.ask(stream, message, StreamAsk.AnswerDecoder.oneByte(b -> Answer.of(b[0] & 0xff)));
  }
}
