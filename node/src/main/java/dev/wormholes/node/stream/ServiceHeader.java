package dev.wormholes.node.stream;

import dev.wormholes.people.PersonUrl;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * The two small messages that open every stream, ALPN-like.
 *
 * <pre>
 *   request  = version:u8 (=1) | nameLength:u8 (1..63) | name:ASCII [a-z0-9-]
 *   response = status:u8 | reasonLength:u8 | reason:UTF-8 (0..255 bytes)
 * </pre>
 *
 * <p>The opener sends a request and waits for the response before sending application bytes;
 * the acceptor answers {@link Status#OK} and then relays, or a refusal and closes. Names are DNS
 * labels so that {@code SERVICE.NODE_ID.wh} works as a host name. Parsers never throw: they return
 * {@code null} while bytes are missing and a {@link Malformed} for bad bytes.
 */
public final class ServiceHeader {
  /** Protocol version byte of a request. */
  public static final int VERSION = 1;
  /** Longest service name (a DNS label, {@link PersonUrl#isServiceName}). */
  public static final int MAX_NAME = PersonUrl.MAX_SERVICE;
  /** Longest reason in a response, in bytes. */
  public static final int MAX_REASON = 255;

  private ServiceHeader() {}

  /** Response status codes; unknown codes read as {@link #OTHER}. */
  public enum Status {
    /** The service accepted the stream; application bytes follow. */
    OK(0),
    /** No service of that name is exposed on this node to the opener. */
    UNKNOWN_SERVICE(1),
    /**
     * The service exists but the opener's node id is not on its allow-list. Not sent by this
     * version: an opener that is not allowed gets {@link #UNKNOWN_SERVICE}, with the same reason
     * text, so that it cannot tell which services exist.
     */
    NOT_ALLOWED(2),
    /** The request was not a well-formed request. */
    MALFORMED(3),
    /** The service exists but could not take the stream (e.g. its local port refused). */
    UNAVAILABLE(4),
    /** A code this version does not know. */
    OTHER(255);

    /** The wire code. */
    public final int code;

    Status(int code) {
      this.code = code;
    }

    /** Return the status of wire code {@code code}. */
    public static Status of(int code) {
      for (Status s : values()) {
        if (s.code == code) {
          return s;
        }
      }
      return OTHER;
    }
  }

  /** A parsed request. */
  public record Request(String service) {}

  /** A parsed response. */
  public record Response(Status status, String reason) {}

  /** Bytes that are not a valid header; {@code why} says which rule they broke. */
  public record Malformed(String why) {}

  /** Return the encoded request for {@code service}; throw if the name is invalid. */
  public static ByteBuf encodeRequest(ByteBufAllocator alloc, String service) {
    if (!PersonUrl.isServiceName(service)) {
      throw new IllegalArgumentException("invalid service name: " + service);
    }
    byte[] n = service.getBytes(StandardCharsets.US_ASCII);
    return alloc.buffer(2 + n.length).writeByte(VERSION).writeByte(n.length).writeBytes(n);
  }

  /** Return the encoded response; a reason longer than 255 bytes is cut. */
  public static ByteBuf encodeResponse(ByteBufAllocator alloc, Status status, String reason) {
    byte[] r = reason.getBytes(StandardCharsets.UTF_8);
    int len = Math.min(r.length, MAX_REASON);
    return alloc.buffer(2 + len).writeByte(status.code).writeByte(len).writeBytes(r, 0, len);
  }

  /**
   * Consume a request from {@code in}: return a {@link Request}, a {@link Malformed}, or
   * {@code null} (consuming nothing) if more bytes are needed.
   */
  public static Object parseRequest(ByteBuf in) {
    if (in.readableBytes() < 2) {
      return null;
    }
    int version = in.getUnsignedByte(in.readerIndex());
    int len = in.getUnsignedByte(in.readerIndex() + 1);
    if (version != VERSION) {
      return new Malformed("unsupported version " + version);
    }
    if (len == 0 || len > MAX_NAME) {
      return new Malformed("service name length " + len);
    }
    if (in.readableBytes() < 2 + len) {
      return null;
    }
    in.skipBytes(2);
    String name = in.readCharSequence(len, StandardCharsets.US_ASCII).toString();
    return PersonUrl.isServiceName(name) ? new Request(name) : new Malformed("invalid service name");
  }

  /**
   * Consume a response from {@code in}: return a {@link Response} or {@code null} (consuming
   * nothing) if more bytes are needed. Every byte pair is a valid header, so it never fails.
   */
  public static Response parseResponse(ByteBuf in) {
    if (in.readableBytes() < 2) {
      return null;
    }
    int len = in.getUnsignedByte(in.readerIndex() + 1);
    if (in.readableBytes() < 2 + len) {
      return null;
    }
    Status status = Status.of(in.readUnsignedByte());
    in.skipBytes(1);
    return new Response(status, in.readCharSequence(len, StandardCharsets.UTF_8).toString());
  }
}
