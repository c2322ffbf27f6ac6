package dev.wormholes.node;

import java.net.InetSocketAddress;

/** Parse {@code HOST:PORT} and {@code [IPV6]:PORT} as typed on the command line. */
public final class HostPort {
  private HostPort() {}

  /**
   * Return the address {@code text} names (host names are resolved); throw {@link
   * IllegalArgumentException} with one clear sentence if it is not {@code HOST:PORT}.
   */
  public static InetSocketAddress parse(String text) {
    InetSocketAddress a = checkSyntax(text);
    InetSocketAddress resolved = new InetSocketAddress(a.getHostString(), a.getPort());
    if (resolved.isUnresolved()) {
      throw new IllegalArgumentException("cannot resolve host " + a.getHostString());
    }
    return resolved;
  }

  /**
   * Return {@code text} as an unresolved address (no name lookup); throw {@link
   * IllegalArgumentException} with one clear sentence if it is not {@code HOST:PORT}.
   */
  public static InetSocketAddress checkSyntax(String text) {
    String t = text.trim();
    int colon = t.lastIndexOf(':');
    if (colon <= 0 || colon == t.length() - 1) {
      throw new IllegalArgumentException("not HOST:PORT: " + text);
    }
    String host = t.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.contains(":")) {
      throw new IllegalArgumentException("write an IPv6 address as [ADDRESS]:PORT: " + text);
    }
    int port;
    try {
      port = Integer.parseInt(t.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a port number in " + text);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range in " + text);
    }
    return InetSocketAddress.createUnresolved(host, port);
  }
}
