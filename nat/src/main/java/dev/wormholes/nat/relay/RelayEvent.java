package dev.wormholes.nat.relay;

import java.net.InetSocketAddress;

/** What a {@link RelayClient} tells its driver. */
public sealed interface RelayEvent {

  /**
   * The open {@code request} succeeded: QUIC packets for {@code synthetic} now go through
   * {@code relay}.
   */
  record Opened(long request, InetSocketAddress relay, InetSocketAddress synthetic)
      implements RelayEvent {}

  /** The open {@code request} failed for {@code reason}. */
  record OpenFailed(long request, InetSocketAddress relay, RelayReason reason) implements RelayEvent {}

  /** A trusted relay brought a circuit from another node; its packets appear from {@code synthetic}. */
  record Incoming(InetSocketAddress relay, InetSocketAddress synthetic) implements RelayEvent {}

  /** The circuit behind {@code synthetic} is gone. */
  record Closed(InetSocketAddress synthetic, RelayReason reason) implements RelayEvent {}

  /**
   * A QUIC packet arrived on the circuit behind {@code synthetic}: bytes {@code offset ..
   * offset+length} of {@code datagram} (owned by the receiver of this event).
   */
  record Packet(InetSocketAddress synthetic, byte[] datagram, int offset, int length)
      implements RelayEvent {}
}
