package dev.wormholes.node.socks;

import dev.wormholes.node.stream.Relay;
import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.node.stream.ServiceRefusedException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.socksx.v5.DefaultSocks5CommandResponse;
import io.netty.handler.codec.socksx.v5.DefaultSocks5InitialResponse;
import io.netty.handler.codec.socksx.v5.DefaultSocks5PasswordAuthResponse;
import io.netty.handler.codec.socksx.v5.Socks5AddressType;
import io.netty.handler.codec.socksx.v5.Socks5AuthMethod;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequest;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5CommandStatus;
import io.netty.handler.codec.socksx.v5.Socks5CommandType;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequest;
import io.netty.handler.codec.socksx.v5.Socks5PasswordAuthRequest;
import io.netty.handler.codec.socksx.v5.Socks5PasswordAuthRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5PasswordAuthStatus;
import io.netty.util.ReferenceCountUtil;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SOCKS5 client connection: negotiate username/password authentication (RFC 1929) and check
 * the node's {@link SocksCredentials}, take one CONNECT to {@code SERVICE.NODE_ID.wh}, dial it,
 * answer, then relay bytes. A name {@code SERVICE.NAME.onion.wh} is dialled through an onion
 * circuit ({@link StreamDialer#dialOnion}) instead, and {@code SERVICE.NAME.NETWORK.network.wh}
 * inside that private network ({@link StreamDialer#dialInNetwork}). Everything else is refused with the RFC 1928 reply that fits, and the
 * connection closed:
 *
 * <ul>
 *   <li>malformed bytes, or a client that does not offer username/password: no reply possible /
 *       {@code 0xFF} (no acceptable method), close;
 *   <li>a wrong username or password: RFC 1929 status {@code 01}, close (nothing is dialled);
 *   <li>a command other than CONNECT: {@code 07} command not supported;
 *   <li>an IPv4 or IPv6 address: {@code 08} address type not supported (names only);
 *   <li>a name outside {@code .wh}: {@code 02} not allowed by ruleset (never resolved by DNS);
 *   <li>a {@code .wh} name that does not parse, or a dial failure: {@code 04} host unreachable;
 *   <li>a refusal by the remote service: {@code 05} connection refused.
 * </ul>
 */
final class SocksServerHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(SocksServerHandler.class);
  /** Most bytes a client may send while its CONNECT is being dialled. */
  private static final int MAX_EARLY_BYTES = 64 * 1024;

  private final StreamDialer dialer;
  private final SocksCredentials credentials;
  private final SocksServer server;
  private ByteBuf early;
  private boolean dialling;
  private boolean authenticated;

  SocksServerHandler(StreamDialer dialer, SocksCredentials credentials, SocksServer server) {
    this.dialer = dialer;
    this.credentials = credentials;
    this.server = server;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof DecoderResultProvider && failed(((DecoderResultProvider) msg)
          .decoderResult())) {
        refuse(ctx, null, "malformed SOCKS5 message");
      } else if (msg instanceof Socks5InitialRequest) {
        onInitial(ctx, (Socks5InitialRequest) msg);
      } else if (msg instanceof Socks5PasswordAuthRequest) {
        onPassword(ctx, (Socks5PasswordAuthRequest) msg);
      } else if (msg instanceof Socks5CommandRequest && authenticated) {
        onCommand(ctx, (Socks5CommandRequest) msg);
      } else if (msg instanceof ByteBuf && dialling) {
        keepEarly(ctx, (ByteBuf) msg);
        return; // kept, not released
      } else {
        refuse(ctx, null, "unexpected " + msg.getClass().getSimpleName());
      }
    } finally {
      if (!(msg instanceof ByteBuf && dialling)) {
        ReferenceCountUtil.release(msg);
      }
    }
  }

  private static boolean failed(DecoderResult r) {
    return r != null && r.isFailure();
  }

  private void onInitial(ChannelHandlerContext ctx, Socks5InitialRequest req) {
    if (!req.authMethods().contains(Socks5AuthMethod.PASSWORD)) {
      server.countRefused();
      server.countUnauthenticated();
      ctx.writeAndFlush(new DefaultSocks5InitialResponse(Socks5AuthMethod.UNACCEPTED))
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    ctx.pipeline().replace(SocksServer.DECODER, SocksServer.DECODER,
        new Socks5PasswordAuthRequestDecoder());
    ctx.writeAndFlush(new DefaultSocks5InitialResponse(Socks5AuthMethod.PASSWORD))
        .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
  }

  private void onPassword(ChannelHandlerContext ctx, Socks5PasswordAuthRequest req) {
    if (authenticated || !credentials.matches(req.username(), req.password())) {
      server.countRefused();
      server.countUnauthenticated();
      ctx.writeAndFlush(new DefaultSocks5PasswordAuthResponse(Socks5PasswordAuthStatus.FAILURE))
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    authenticated = true;
    ctx.pipeline().replace(SocksServer.DECODER, SocksServer.DECODER,
        new Socks5CommandRequestDecoder());
    ctx.writeAndFlush(new DefaultSocks5PasswordAuthResponse(Socks5PasswordAuthStatus.SUCCESS))
        .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
  }

  private void onCommand(ChannelHandlerContext ctx, Socks5CommandRequest req) {
    if (!req.type().equals(Socks5CommandType.CONNECT)) {
      refuse(ctx, Socks5CommandStatus.COMMAND_UNSUPPORTED, "command " + req.type());
      return;
    }
    if (!req.dstAddrType().equals(Socks5AddressType.DOMAIN)) {
      refuse(ctx, Socks5CommandStatus.ADDRESS_UNSUPPORTED, "only .wh names are served");
      return;
    }
    String host = req.dstAddr();
    if (!WhAddress.isWh(host)) {
      refuse(ctx, Socks5CommandStatus.FORBIDDEN, "not a .wh name: " + host);
      return;
    }
    boolean onion = WhAddress.isOnion(host);
    Optional<String> network = WhAddress.network(host);
    String name = onion ? WhAddress.withoutOnion(host) : WhAddress.withoutNetwork(host);
    Optional<WhAddress> wh = dialer.resolve(name);
    if (wh.isEmpty()) {
      refuse(ctx, Socks5CommandStatus.HOST_UNREACHABLE, "not SERVICE.NODE_ID.wh: " + host);
      return;
    }
    dialling = true;
    ctx.channel().config().setAutoRead(false);
    if (onion) {
      dialer.dialOnion(name, wh.get()).whenComplete((stream, err) ->
          ctx.executor().execute(() -> onCircuit(ctx, wh.get(), stream, err)));
      return;
    }
    (network.isPresent() ? dialer.dialInNetwork(network.get(), name, wh.get())
        : dialer.dial(host, wh.get())).whenComplete((stream, err) ->
        ctx.executor().execute(() -> onDialled(ctx, wh.get(), stream, err)));
  }

  private void onCircuit(ChannelHandlerContext ctx, WhAddress to, CircuitStream stream, Throwable err) {
    SocketChannel client = opened(ctx, to, err);
    if (client == null) {
      if (stream != null) {
        stream.abort();
      }
      return;
    }
    ByteBuf pending = takeEarly();
    ctx.pipeline().remove(this);
    stream.attach(client, pending); // resumes reading once it reads the channel itself
    server.countRelayed();
  }

  /**
   * After a dial: refuse on {@code err}, or answer success and strip the SOCKS handlers; return the
   * client channel to carry, or null (refused or gone).
   */
  private SocketChannel opened(ChannelHandlerContext ctx, WhAddress to, Throwable err) {
    if (err != null) {
      Throwable cause = err instanceof CompletionException && err.getCause() != null
          ? err.getCause() : err;
      refuse(ctx, statusFor(cause), "dial " + to + ": " + cause);
      return null;
    }
    SocketChannel client = (SocketChannel) ctx.channel();
    if (!client.isActive()) {
      return null;
    }
    ctx.writeAndFlush(new DefaultSocks5CommandResponse(Socks5CommandStatus.SUCCESS,
        Socks5AddressType.IPv4, "0.0.0.0", 0)).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    ctx.pipeline().remove(SocksServer.TIMEOUT);
    ctx.pipeline().remove(SocksServer.ENCODER);
    ctx.pipeline().remove(SocksServer.DECODER); // may hand us bytes it still held: kept as early
    dialling = false;
    return client;
  }

  /** Return the bytes kept while dialling (null: none), no longer held here. */
  private ByteBuf takeEarly() {
    ByteBuf pending = early;
    early = null;
    return pending;
  }

  private void onDialled(ChannelHandlerContext ctx, WhAddress to, SecureStream stream,
      Throwable err) {
    SocketChannel client = opened(ctx, to, err);
    if (client == null) {
      if (stream != null) {
        stream.channel().close();
      }
      return;
    }
    ByteBuf pending = takeEarly();
    ctx.pipeline().remove(this);
    Relay.join(client, stream.channel());
    if (pending != null) {
      stream.channel().writeAndFlush(pending);
    }
    server.countRelayed();
    stream.start();
    client.config().setAutoRead(true);
  }

  private static Socks5CommandStatus statusFor(Throwable cause) {
    if (cause instanceof ServiceRefusedException) {
      return Socks5CommandStatus.CONNECTION_REFUSED;
    }
    if (cause instanceof SSLException) {
      return Socks5CommandStatus.HOST_UNREACHABLE; // the node there is not the one named
    }
    return Socks5CommandStatus.HOST_UNREACHABLE;
  }

  private void keepEarly(ChannelHandlerContext ctx, ByteBuf b) {
    if (early == null) {
      early = ctx.alloc().buffer(Math.min(b.readableBytes(), MAX_EARLY_BYTES));
    }
    if (early.readableBytes() + b.readableBytes() > MAX_EARLY_BYTES) {
      b.release();
      refuse(ctx, Socks5CommandStatus.FAILURE, "too many bytes before the stream opened");
      return;
    }
    early.writeBytes(b);
    b.release();
  }

  private void refuse(ChannelHandlerContext ctx, Socks5CommandStatus status, String why) {
    server.countRefused();
    LOG.debug("SOCKS request refused ({}): {}", status, why);
    if (status == null || !ctx.channel().isActive()) {
      ctx.close();
      return;
    }
    ctx.writeAndFlush(new DefaultSocks5CommandResponse(status, Socks5AddressType.IPv4, "0.0.0.0",
        0)).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
      ctx.close(); // the client hung up half-way through the negotiation
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (early != null) {
      early.release();
      early = null;
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("SOCKS client {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
