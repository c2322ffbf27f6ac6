package dev.wormholes.node.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One request and one answer on a stream of an internal service: the request goes as one frame
 * with a 4-byte big-endian length in front; the answer comes back framed as the service's {@link
 * AnswerDecoder} says (the same kind of frame, or a single byte); then both ends close. {@link
 * #ask} is the asking side, {@link #serve} the serving side.
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
    private final int maxFrame; // 0: the answer is one byte, sent without a length
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

  /**
   * Serve the incoming {@code stream}: read its one request (a frame of at most {@code maxRequest}
   * bytes; a longer one, or a stream that fails, closes it unanswered), hand the request's bytes to
   * {@code answer} (called on the stream's event loop, once; further frames are ignored), and send
   * what it completes with (on any thread) as {@code answers} reads it: a frame with a 4-byte
   * length, or the one byte alone. Then the output ends and the stream closes. An empty answer, a
   * failed one, or an {@code answer} that throws closes the stream unanswered.
   */
  public static void serve(SecureStream stream, int maxRequest, AnswerDecoder<?> answers,
      Function<byte[], CompletableFuture<Optional<byte[]>>> answer) {
    if (maxRequest <= 0) {
      throw new IllegalArgumentException("a request of at most " + maxRequest + " bytes");
    }
    // The OK answer goes out raw, before the framing is installed; reading starts on a later turn
    // of the stream's event loop (the caller is on it), after the handlers below are in place.
    stream.accept();
    stream.channel().pipeline().addLast(new LengthFieldBasedFrameDecoder(maxRequest, 0, 4, 0, 4));
    if (answers.maxFrame > 0) {
      stream.channel().pipeline().addLast(new LengthFieldPrepender(4));
    }
    stream.channel().pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
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
}
