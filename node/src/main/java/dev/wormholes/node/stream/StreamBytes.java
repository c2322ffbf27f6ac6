package dev.wormholes.node.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.quic.QuicStreamChannel;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Application bytes carried by a transport's secure streams, by stream kind and direction: a
 * handler first in every stream's pipeline, installed once the service is agreed (so the service
 * header is not counted), counts each buffer read and written. The kind is the service name for
 * the node's own services ({@link #INTERNAL_PREFIX}) and {@link #EXPOSED} for every service a
 * person exposed, so the kinds stay few whatever names peers use; past {@link #MAX_KINDS} kinds,
 * {@link #EXPOSED} too. Thread-safe.
 */
public final class StreamBytes {
  /** Names of the node's own services start with this. */
  public static final String INTERNAL_PREFIX = "wh-";
  /** The kind of every service a person exposed. */
  public static final String EXPOSED = "exposed";
  /** Kinds counted apart at most. */
  static final int MAX_KINDS = 32;

  /** One kind's counters. */
  private static final class Counts {
    final LongAdder in = new LongAdder();
    final LongAdder out = new LongAdder();
  }

  /** Bytes of one kind: received on streams of it and sent on them. */
  public record Totals(long in, long out) {}

  private final Map<String, Counts> kinds = new ConcurrentHashMap<>();

  /** Return the kind streams of {@code service} count as. */
  public static String kindOf(String service) {
    return service.startsWith(INTERNAL_PREFIX) ? service : EXPOSED;
  }

  /** Count the bytes of {@code ch}, a stream of {@code service}, from now on. */
  void watch(QuicStreamChannel ch, String service) {
    String kind = kindOf(service);
    Counts c = kinds.get(kind);
    if (c == null) {
      c = kinds.size() < MAX_KINDS ? kinds.computeIfAbsent(kind, k -> new Counts())
          : kinds.computeIfAbsent(EXPOSED, k -> new Counts());
    }
    ch.pipeline().addFirst(new Counter(c));
  }

  /** Return the totals by kind, in name order. */
  public Map<String, Totals> snapshot() {
    Map<String, Totals> out = new TreeMap<>();
    kinds.forEach((k, c) -> out.put(k, new Totals(c.in.sum(), c.out.sum())));
    return out;
  }

  private static long size(Object msg) {
    return msg instanceof ByteBuf b ? b.readableBytes()
        : msg instanceof ByteBufHolder h ? h.content().readableBytes() : 0;
  }

  @ChannelHandler.Sharable
  private static final class Counter extends ChannelDuplexHandler {
    private final Counts counts;

    Counter(Counts counts) {
      this.counts = counts;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      counts.in.add(size(msg));
      ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      counts.out.add(size(msg));
      ctx.write(msg, promise);
    }
  }
}
