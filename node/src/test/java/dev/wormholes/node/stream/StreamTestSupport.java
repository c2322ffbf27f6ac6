package dev.wormholes.node.stream;

import ch.qos.logback.classic.Level;
import dev.wormholes.proto.Identity;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.slf4j.LoggerFactory;

/** Helpers shared by the stream tests: identities, payloads and hashing receivers. */
public final class StreamTestSupport {
  static {
    quietLogs();
  }

  private StreamTestSupport() {}

  /** Keep Netty's debug logging out of test output (logback's default is DEBUG). */
  public static void quietLogs() {
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(Level.WARN);
    if (System.getProperty("wh.debug") != null) { // -Dwh.debug to see this module's decisions
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("dev.wormholes"))
          .setLevel(Level.DEBUG);
    }
  }

  /** Return a fresh identity. */
  public static Identity newIdentity() {
    return Identity.generate(new SecureRandom());
  }

  /** Return {@code n} pseudo-random bytes from {@code seed}. */
  public static byte[] payload(int n, long seed) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  /** Return the hex SHA-256 of {@code b}. */
  public static String sha256(byte[] b) {
    return HexFormat.of().formatHex(digest().digest(b));
  }

  static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** Write {@code data} in 64 KiB chunks, then end the output (FIN). */
  public static void sendAndFinish(DuplexChannel ch, byte[] data) {
    ch.eventLoop().execute(() -> {
      for (int off = 0; off < data.length; off += 65536) {
        ch.write(Unpooled.wrappedBuffer(data, off, Math.min(65536, data.length - off)));
      }
      ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> StreamEnds.endOutput(ch));
    });
  }

  /**
   * A handler that hashes every byte it reads and completes {@link #done} with the hex SHA-256
   * when the peer ends its output (or the channel closes).
   */
  public static final class HashingReceiver extends ChannelInboundHandlerAdapter {
    private final MessageDigest md = digest();
    private long count;
    /** Completed with the hex SHA-256 of all bytes read. */
    public final CompletableFuture<String> done = new CompletableFuture<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf b = (ByteBuf) msg;
      count += b.readableBytes();
      md.update(b.nioBuffer());
      b.release();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        finish();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      finish();
    }

    private void finish() {
      if (!done.isDone()) {
        done.complete(HexFormat.of().formatHex(md.digest()));
      }
    }

    /** Return the bytes read so far. */
    public long count() {
      return count;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      done.completeExceptionally(cause);
      ctx.close();
    }
  }

  /** Close {@code c} quietly. */
  static void closeQuietly(Channel c) {
    if (c != null) {
      c.close();
    }
  }
}
