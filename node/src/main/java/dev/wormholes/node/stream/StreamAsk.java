package dev.wormholes.node.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * One request and one answer on an outgoing stream of an internal service: the request goes out
 * as one frame with a 4-byte big-endian length in front; the answer comes back framed as the
 * service's {@link AnswerDecoder} says (the same kind of frame, or a single byte); then the asker
 * closes the stream. The serving side is each service's own.
 */
public final class StreamAsk {
  private StreamAsk() {}

  /** Reads an answer's bytes (one frame, or the one byte) into the answer; malformed bytes throw. */
  @FunctionalInterface
  public interface Parse<A> {
    /** Return the answer {@code bytes} say; throw if they are malformed. */
    A parse(byte[] bytes) throws IOException;
  }

  /** How an answer is cut from the stream ({@link #framed} or {@link #oneByte}) and read. */
  public static final class AnswerDecoder<A> {
    private final int maxFrame; // 0: the first byte the stream brings is the answer
    private final Parse<A> parse;

    private AnswerDecoder(int maxFrame, Parse<A> parse) {
      this.maxFrame = maxFrame;
      this.parse = parse;
    }

    /** An answer of one frame with a 4-byte length in front, at most {@code maxBytes} (a longer one fails the ask), read by {@code parse}. */
    public static <A> AnswerDecoder<A> framed(int maxBytes, Parse<A> parse) {
      if (maxBytes <= 0) {
        throw new IllegalArgumentException("a frame of at most " + maxBytes + " bytes");
      }
      return new AnswerDecoder<>(maxBytes, parse);
    }

    /** An answer of one byte, read by {@code parse} (given it as a one-byte array). */
    public static <A> AnswerDecoder<A> oneByte(Parse<A> parse) {
      return new AnswerDecoder<>(0, parse);
    }
  }

  /**
   * Send {@code request} on the outgoing {@code stream} (paused until now) and complete with the
   * answer {@code answers} reads; fail if the stream closes before one, or the answer is malformed.
   */
  public static <A> CompletableFuture<A> ask(SecureStream stream, byte[] request, AnswerDecoder<A> answers) {
    CompletableFuture<A> out = new CompletableFuture<>();
    if (answers.maxFrame > 0) {
      stream.channel().pipeline().addLast(new LengthFieldBasedFrameDecoder(answers.maxFrame, 0, 4, 0, 4));
    }
    stream.channel().pipeline()
        .addLast(new LengthFieldPrepender(4))
        .addLast(new SimpleChannelInboundHandler<ByteBuf>() {
          @Override
          protected void channelRead0(ChannelHandlerContext ctx, ByteBuf in) {
            if (!in.isReadable() && answers.maxFrame == 0) {
              return;
            }
            byte[] bytes = answers.maxFrame > 0 ? ByteBufUtil.getBytes(in) : new byte[] {in.readByte()};
            try {
              out.complete(answers.parse.parse(bytes));
            } catch (IOException | RuntimeException e) {
              out.completeExceptionally(new IOException("the answer is malformed", e));
            }
            ctx.close();
          }

          @Override
          public void channelInactive(ChannelHandlerContext ctx) {
            out.completeExceptionally(new IOException("the other node closed the stream without an answer"));
          }

          @Override
          public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            out.completeExceptionally(cause);
            ctx.close();
          }
        });
    stream.start();
    stream.channel().writeAndFlush(Unpooled.wrappedBuffer(request));
    return out;
  }
}
