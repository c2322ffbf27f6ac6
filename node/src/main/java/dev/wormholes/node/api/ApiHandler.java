package dev.wormholes.node.api;

import com.google.gson.JsonObject;
import dev.wormholes.node.runtime.UdpRuntime;
import dev.wormholes.node.web.WebPages;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticate and route one control API request (api contract table). Every answer is JSON;
 * every failure is {@code {"error": "..."}} with the contract's status. Requests that need the DHT
 * complete asynchronously: the handler never blocks the HTTP event loop.
 */
@ChannelHandler.Sharable
public final class ApiHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);

  private final byte[] expectedAuth;
  private final ApiRoutes routes;
  private final WebPages web;

  /**
   * Return a handler accepting {@code Bearer token} and serving {@code routes}; paths under
   * {@code /web} are the status page's, which has its own login ({@link WebPages}).
   */
  public ApiHandler(String token, ApiRoutes routes) {
    this.expectedAuth = ("Bearer " + token).getBytes(StandardCharsets.US_ASCII);
    this.routes = routes;
    this.web = new WebPages((m, p, b) -> routes.route(HttpMethod.valueOf(m), p, b), routes.webSessions());
  }

  /** Return the routes' runtime (for tests). */
  UdpRuntime runtime() {
    return routes.runtime();
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    boolean keepAlive = HttpUtil.isKeepAlive(req);
    if (!req.decoderResult().isSuccess()) {
      respond(ctx, keepAlive, 400, ApiJson.error("the request is not valid HTTP"));
      return;
    }
    QueryStringDecoder uri = new QueryStringDecoder(req.uri());
    if (WebPages.handles(uri.path())) {
      web(ctx, keepAlive, req, uri);
      return;
    }
    if (!authorized(req)) {
      respond(ctx, keepAlive, 401, ApiJson.error("missing or wrong bearer token (see api.token in the data dir)"));
      return;
    }
    String path = uri.path();
    String body = req.content().toString(StandardCharsets.UTF_8);
    CompletableFuture<JsonObject> result;
    try {
      result = routes.route(req.method(), path, body);
    } catch (RuntimeException e) {
      result = CompletableFuture.failedFuture(e);
    }
    result.whenComplete((json, t) -> {
      if (t == null) {
        respond(ctx, keepAlive, 200, json);
      } else {
        ApiException e = toApiException(t);
        respond(ctx, keepAlive, e.status(), ApiJson.error(e.getMessage()));
      }
    });
  }

  private void web(ChannelHandlerContext ctx, boolean keepAlive, FullHttpRequest req, QueryStringDecoder uri) {
    java.util.Map<String, String> query = new java.util.HashMap<>();
    uri.parameters().forEach((k, v) -> query.put(k, v.get(0)));
    WebPages.Request r = new WebPages.Request(req.method().name(), uri.path(), query,
        req.headers().get(HttpHeaderNames.HOST), req.headers().get(HttpHeaderNames.ORIGIN),
        req.headers().get(HttpHeaderNames.COOKIE), req.content().toString(StandardCharsets.UTF_8));
    web.handle(r).whenComplete((a, t) -> {
      WebPages.Answer answer = t == null ? a : new WebPages.Answer(500, "text/plain; charset=utf-8",
          "internal error\n", java.util.Map.of());
      byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
      FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
          HttpResponseStatus.valueOf(answer.status()), Unpooled.wrappedBuffer(bytes));
      res.headers().set(HttpHeaderNames.CONTENT_TYPE, answer.contentType());
      res.headers().set("Content-Security-Policy", WebPages.CSP);
      res.headers().set("X-Content-Type-Options", "nosniff");
      res.headers().set("Referrer-Policy", "no-referrer");
      res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
      answer.headers().forEach((k, v) -> res.headers().set(k, v));
      HttpUtil.setContentLength(res, bytes.length);
      send(ctx, keepAlive, res);
    });
  }

  private boolean authorized(FullHttpRequest req) {
    String h = req.headers().get(HttpHeaderNames.AUTHORIZATION);
    return h != null && MessageDigest.isEqual(h.trim().getBytes(StandardCharsets.US_ASCII), expectedAuth);
  }

  /** Map a failure to the contract's status: timeouts 504, shutting down 503, anything unexpected 500. */
  static ApiException toApiException(Throwable t) {
    Throwable c = t;
    while (c instanceof CompletionException && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof ApiException e) {
      return e;
    }
    if (c instanceof TimeoutException) {
      return new ApiException(504, "the DHT query did not finish in time");
    }
    if (c instanceof IllegalStateException) {
      return new ApiException(503, c.getMessage() == null ? "the node is not ready" : c.getMessage());
    }
    LOG.warn("control API request failed", c);
    return new ApiException(500, "internal error: " + c);
  }

  // How long a connection that sent an oversized body may go on sending before it is closed.
  private static final long OVERSIZE_LINGER_MS = 2_000;

  private static void respond(ChannelHandlerContext ctx, boolean keepAlive, int status, JsonObject json) {
    byte[] bytes = (json.toString() + "\n").getBytes(StandardCharsets.UTF_8);
    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(bytes));
    res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
    HttpUtil.setContentLength(res, bytes.length);
    send(ctx, keepAlive, res);
  }

  private static void send(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse res) {
    if (keepAlive) {
      res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      ctx.writeAndFlush(res);
    } else {
      res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
    }
  }

  /**
   * Answer a request whose body exceeded the aggregator's limit (413, JSON), then close gently:
   * the client may still be sending the body, and closing a socket with unread input makes the
   * kernel send RST, which can destroy the 413 before the client reads it. So half-close (FIN after
   * the answer), let the aggregator discard the rest of the body, and close after a short linger.
   */
  static void tooLarge(ChannelHandlerContext ctx, int limit) {
    byte[] bytes = (ApiJson.error("the request body is larger than " + limit + " bytes") + "\n")
        .getBytes(StandardCharsets.UTF_8);
    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Unpooled.wrappedBuffer(bytes));
    res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
    res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    HttpUtil.setContentLength(res, bytes.length);
    ctx.writeAndFlush(res).addListener((ChannelFutureListener) f -> {
      if (f.channel() instanceof DuplexChannel d) {
        d.shutdownOutput();
        ctx.executor().schedule(() -> { ctx.close(); }, OVERSIZE_LINGER_MS, TimeUnit.MILLISECONDS);
      } else {
        ctx.close();
      }
    });
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("control API connection error: {}", cause.toString());
    ctx.close();
  }

  /** Return whether {@code m} is GET. */
  static boolean get(HttpMethod m) {
    return HttpMethod.GET.equals(m);
  }
}
