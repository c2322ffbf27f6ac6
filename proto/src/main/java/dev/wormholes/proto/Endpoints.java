package dev.wormholes.proto;

import com.google.common.net.HostAndPort;
import com.google.common.net.InetAddresses;
import com.google.protobuf.UnsafeByteOperations;
import dev.wormholes.proto.wire.Contact;
import dev.wormholes.proto.wire.Endpoint;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;

/**
 * Conversions between {@link InetSocketAddress} and the wire {@link Endpoint}, and the one parser
 * of {@code HOST:PORT} text that people type.
 *
 * <p>Nothing here performs a DNS lookup: wire addresses become {@link InetAddress} through {@link
 * InetAddress#getByAddress(byte[])}, text through Guava's literal parser. Peer input gets an empty
 * {@link Optional} on failure, user input a {@link ParseResult.Invalid} with a message fit for a
 * person. The scope id of a link-local IPv6 address does not travel on the wire.
 */
public final class Endpoints {
  private Endpoints() {}

  /** Highest UDP port. */
  public static final int MAX_PORT = 65535;
  /** The address {@code localhost} stands for in user input (never looked up). */
  public static final InetAddress LOCALHOST = InetAddresses.forString("127.0.0.1");

  // ---- wire

  /**
   * Return the wire form of {@code address}: 4 address bytes for IPv4 (IPv4-mapped IPv6 included,
   * as Java represents those as IPv4), 16 for IPv6. Throw if the address is unresolved or its port
   * is 0: only real destinations go on the wire.
   */
  public static Endpoint toWire(InetSocketAddress address) {
    if (address.isUnresolved() || address.getPort() == 0) {
      throw new IllegalArgumentException("not a destination address: " + address.getHostString() + ":" + address.getPort());
    }
    return Endpoint.newBuilder()
        .setIp(UnsafeByteOperations.unsafeWrap(address.getAddress().getAddress())) // a fresh copy
        .setPort(address.getPort())
        .build();
  }

  /** Return the wire contact of {@code id} at {@code address} (see {@link #toWire}). */
  public static Contact contact(NodeId id, InetSocketAddress address) {
    return Contact.newBuilder()
        .setId(UnsafeByteOperations.unsafeWrap(id.toBytes())) // a fresh array nobody else holds
        .setEndpoint(toWire(address))
        .build();
  }

  /**
   * Return whether {@code endpoint} names a destination: a 4- or 16-byte address and a port in
   * 1..65535. Port 0 is refused because no datagram can be sent to it.
   */
  public static boolean isValid(Endpoint endpoint) {
    int ipLength = endpoint.getIp().size();
    int port = endpoint.getPort(); // uint32 on the wire: read unsigned
    return (ipLength == 4 || ipLength == 16) && port != 0 && Integer.compareUnsigned(port, MAX_PORT) <= 0;
  }

  /**
   * Return the socket address of a wire endpoint from a peer, or empty if it is not {@link
   * #isValid valid}. Never throws, never looks anything up.
   */
  public static Optional<InetSocketAddress> fromWire(Endpoint endpoint) {
    if (!isValid(endpoint)) {
      return Optional.empty();
    }
    try {
      return Optional.of(new InetSocketAddress(InetAddress.getByAddress(endpoint.getIp().toByteArray()), endpoint.getPort()));
    } catch (UnknownHostException e) {
      return Optional.empty(); // unreachable: the length was checked
    }
  }

  // ---- text

  /**
   * Return {@code address} as {@code ip:port}, or {@code [ipv6]:port} in RFC 5952 form. An
   * unresolved address prints its host string. Never does a reverse lookup.
   */
  public static String format(InetSocketAddress address) {
    String host = address.isUnresolved()
        ? address.getHostString()
        : InetAddresses.toAddrString(address.getAddress());
    return HostAndPort.fromParts(host, address.getPort()).toString();
  }

  /** Return a wire endpoint as text for logs: {@link #format} if valid, else a description. */
  public static String format(Endpoint endpoint) {
    return fromWire(endpoint).map(Endpoints::format)
        .orElse("invalid endpoint (" + endpoint.getIp().size() + "-byte ip, port " + Integer.toUnsignedString(endpoint.getPort()) + ")");
  }

  /**
   * Parse a destination a person typed ({@code --bootstrap}): {@code 192.0.2.1:7447}, {@code
   * [2001:db8::1]:7447} or {@code localhost:7447} (which means 127.0.0.1). Port 1..65535. Host
   * names other than {@code localhost} are refused, not looked up. Never throws.
   */
  public static ParseResult parseHostPort(String text) {
    return parse(text, 1);
  }

  /**
   * Parse an address to bind ({@code --listen}, {@code --api}): as {@link #parseHostPort}, but port
   * 0 (any free port) and the wildcard addresses {@code 0.0.0.0} and {@code [::]} are fine.
   */
  public static ParseResult parseBindAddress(String text) {
    return parse(text, 0);
  }

  private static ParseResult parse(String text, int minPort) {
    if (text == null || text.isBlank()) {
      return invalid("empty address: expected HOST:PORT, e.g. 192.0.2.1:7447 or [2001:db8::1]:7447");
    }
    String t = text.trim();
    HostAndPort hp;
    try {
      hp = HostAndPort.fromString(t);
    } catch (IllegalArgumentException e) {
      return invalid("'" + t + "' is not HOST:PORT (ports go up to 65535; IPv6 addresses in brackets, e.g. [::1]:7447)");
    }
    if (!hp.hasPort()) {
      return invalid(hp.getHost().contains(":") && !t.startsWith("[")
          ? "'" + t + "': put an IPv6 address in brackets and add a port, e.g. [::1]:7447"
          : "'" + t + "' has no port: expected HOST:PORT, e.g. " + HostAndPort.fromParts(hp.getHost(), 7447));
    }
    if (hp.getPort() < minPort) {
      return invalid("'" + t + "': port 0 is not a destination; give the node's port, e.g. 7447");
    }
    Optional<InetAddress> ip = literal(hp.getHost());
    if (ip.isEmpty()) {
      return invalid("'" + hp.getHost() + "' is not an IP address; only IP addresses and localhost are accepted"
          + " (no DNS lookups), e.g. 192.0.2.1:7447 or [2001:db8::1]:7447");
    }
    return new ParseResult.Parsed(new InetSocketAddress(ip.get(), hp.getPort()));
  }

  private static Optional<InetAddress> literal(String host) {
    if (host.toLowerCase(Locale.ROOT).equals("localhost")) {
      return Optional.of(LOCALHOST);
    }
    // isInetAddress/forString parse literals only; a bracketless "1.2.3" or a name is refused.
    return InetAddresses.isInetAddress(host) ? Optional.of(InetAddresses.forString(host)) : Optional.empty();
  }

  private static ParseResult invalid(String message) {
    return new ParseResult.Invalid(message);
  }

  /** The outcome of parsing an address a person typed. */
  public sealed interface ParseResult permits ParseResult.Parsed, ParseResult.Invalid {
    /**
     * A parsed address, resolved without any lookup.
     *
     * @param address the address
     */
    record Parsed(InetSocketAddress address) implements ParseResult {}

    /**
     * Input that is not an address.
     *
     * @param message one line saying what is wrong and what is expected, for stderr
     */
    record Invalid(String message) implements ParseResult {}

    /** Return the address, or throw {@link IllegalArgumentException} with the message (picocli converters). */
    default InetSocketAddress orElseThrow() {
      if (this instanceof Parsed p) {
        return p.address();
      }
      throw new IllegalArgumentException(((Invalid) this).message());
    }

    /** Return the address, or empty. */
    default Optional<InetSocketAddress> toOptional() {
      return this instanceof Parsed p ? Optional.of(p.address()) : Optional.empty();
    }
  }
}
