package dev.wormholes.node.channels;

import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.node.stream.StreamAsk;
import dev.wormholes.node.stream.StreamEnds;
import dev.wormholes.people.channels.Channels;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
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

  /** Serve an incoming {@code stream}: answer its one message with {@code answer} (which may complete on any thread). */
  static void serve(SecureStream stream, Function<byte[], CompletableFuture<Optional<byte[]>>> answer) {
    stream.accept();
    stream.channel().pipeline()
        .addLast(new LengthFieldBasedFrameDecoder(Channels.MAX_MESSAGE_BYTES, 0, 4, 0, 4))
        .addLast(new LengthFieldPrepender(4))
        .addLast(new SimpleChannelInboundHandler<ByteBuf>() {
          private boolean asked;

          @Override
          protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            if (asked) {
              return;
            }
            asked = true;
            answer.apply(ByteBufUtil.getBytes(frame)).whenComplete((a, err) -> {
              if (err != null || a.isEmpty()) {
                ctx.close();
                return;
              }
              ctx.writeAndFlush(Unpooled.wrappedBuffer(a.get()))
                  .addListener(f -> StreamEnds.endOutput((DuplexChannel) ctx.channel()).addListener(g -> ctx.close()));
            });
          }

          @Override
          public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
          }
        });
  }

  /** Send {@code message} on the outgoing {@code stream}; complete with the answer. */
  static CompletableFuture<byte[]> ask(SecureStream stream, byte[] message) {
    return StreamAsk.ask(stream, message, StreamAsk.AnswerDecoder.framed(Channels.MAX_MESSAGE_BYTES, bytes -> bytes));
  }
}
