package dev.wormholes.node.stream;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;

/** The largest UDP payload the loopback interface carries in one unfragmented datagram. */
final class LoopbackMtu {
  /** Largest UDP payload over IPv4 (65535 - 20 - 8). */
  static final int MAX_UDP_PAYLOAD = 65_507;
  /**
   * Cap on the loopback payload: the largest packet quiche builds. With a larger limit configured
   * (65000) both peers' qlogs show 16383-byte packets; at this size UDP GSO can still put 3 in
   * one send.
   */
  static final int CAP = 16_383;
  /** What to use where the loopback MTU cannot be read: the size every other path gets. */
  static final int FALLBACK = 1350;
  /** IPv6 (40) and UDP (8) headers, the larger of the two IP versions. */
  private static final int HEADERS = 48;

  private LoopbackMtu() {}

  /**
   * Return the loopback interface's MTU less the IP and UDP headers, at most {@link #CAP}, or
   * {@link #FALLBACK} if the interface or its MTU cannot be read.
   */
  static int payload() {
    try {
      NetworkInterface lo = NetworkInterface.getByInetAddress(InetAddress.getLoopbackAddress());
      return lo == null ? FALLBACK : payloadFor(lo.getMTU());
    } catch (SocketException | RuntimeException e) {
      return FALLBACK;
    }
  }

  /**
   * Return the payload for a loopback MTU of {@code mtu}: {@link #FALLBACK} when unknown (not
   * positive) or when it would not exceed the 1500 bytes every peer gets anyway.
   */
  static int payloadFor(int mtu) {
    int payload = mtu - HEADERS;
    return payload <= QuicDemultiplexer.MAX_DATAGRAM ? FALLBACK : Math.min(payload, CAP);
  }
}
