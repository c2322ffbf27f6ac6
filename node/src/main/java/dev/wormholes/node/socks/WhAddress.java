package dev.wormholes.node.socks;

import dev.wormholes.people.PersonUrl;
import dev.wormholes.proto.NodeId;
import java.util.Locale;
import java.util.Optional;

/**
 * A Wormholes host name, {@code SERVICE.NODE_ID.wh}: the service name (a DNS label) and the
 * 52-character base32 node id. Case-insensitive; a trailing dot (fully qualified form) is allowed.
 * Two longer forms say how to go: {@code SERVICE.NAME.onion.wh} through an onion circuit, {@code
 * SERVICE.NAME.NETWORK.network.wh} inside the private network this node calls NETWORK.
 *
 * @param service the service name
 * @param node the node id
 */
public record WhAddress(String service, NodeId node) {
  /** The pseudo top-level domain. */
  public static final String TLD = "wh";

  /** Return whether {@code host} is in the {@code .wh} domain at all (well-formed or not). */
  public static boolean isWh(String host) {
    String h = normalize(host);
    return h.equals(TLD) || h.endsWith("." + TLD);
  }

  /** The label before {@link #TLD} that asks for an onion circuit: {@code SERVICE.NAME.onion.wh}. */
  public static final String ONION = "onion";

  /** Return whether {@code host} asks for an onion circuit ({@code ... .onion.wh}). */
  public static boolean isOnion(String host) {
    return normalize(host).endsWith("." + ONION + "." + TLD);
  }

  /** Return {@code host} without its {@code .onion} label ({@code SERVICE.NAME.wh}). */
  public static String withoutOnion(String host) {
    String h = normalize(host);
    return isOnion(h) ? h.substring(0, h.length() - TLD.length() - ONION.length() - 2) + "." + TLD : h;
  }

  /** The label before {@link #TLD} that names a private network: {@code SERVICE.NAME.NETWORK.network.wh}. */
  public static final String NETWORK = "network";

  /**
   * Return the private network {@code host} asks to be dialled inside ({@code
   * SERVICE.NAME.NETWORK.network.wh}), or empty if it names none.
   */
  public static Optional<String> network(String host) {
    String[] labels = normalize(host).split("\\.", -1);
    int n = labels.length;
    return n == 5 && labels[n - 1].equals(TLD) && labels[n - 2].equals(NETWORK)
        && PersonUrl.isServiceName(labels[n - 3]) ? Optional.of(labels[n - 3]) : Optional.empty();
  }

  /** Return {@code host} without its network labels ({@code SERVICE.NAME.wh}), or as it is if it names no network. */
  public static String withoutNetwork(String host) {
    String h = normalize(host);
    if (network(h).isEmpty()) {
      return h;
    }
    String[] labels = h.split("\\.", -1);
    return labels[0] + "." + labels[1] + "." + TLD;
  }

  /** Return the address {@code host} names, or empty if it is not a valid Wormholes name. */
  public static Optional<WhAddress> parse(String host) {
    String h = normalize(host);
    if (h.length() > 253) {
      return Optional.empty();
    }
    String[] labels = h.split("\\.", -1);
    if (labels.length != 3 || !labels[2].equals(TLD) || !PersonUrl.isServiceName(labels[0])) {
      return Optional.empty();
    }
    return NodeId.parse(labels[1]).map(id -> new WhAddress(labels[0], id));
  }

  /** A name form, {@code SERVICE.NAME.wh}, whose NAME is not a node id (a petname, say). */
  public record Named(String service, String name) {}

  /** Return the service and name of {@code host} if it is {@code SERVICE.NAME.wh} with DNS-label parts. */
  public static Optional<Named> parseNamed(String host) {
    String h = normalize(host);
    String[] labels = h.split("\\.", -1);
    if (h.length() > 253 || labels.length != 3 || !labels[2].equals(TLD)
        || !PersonUrl.isServiceName(labels[0]) || !PersonUrl.isServiceName(labels[1])) {
      return Optional.empty();
    }
    return Optional.of(new Named(labels[0], labels[1]));
  }

  private static String normalize(String host) {
    String h = host == null ? "" : host.toLowerCase(Locale.ROOT);
    return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
  }

  /** Return the host name form. */
  @Override
  public String toString() {
    return service + "." + node + "." + TLD;
  }
}
