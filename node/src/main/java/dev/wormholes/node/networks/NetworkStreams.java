package dev.wormholes.node.networks;

import dev.wormholes.networks.NetworkAddresses;
import dev.wormholes.networks.NetworkId;
import dev.wormholes.node.stream.DatagramRoute;
import dev.wormholes.node.stream.StreamTransport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Optional;

/**
 * QUIC inside private networks: the node's QUIC codecs reach a member through a network at an
 * address of {@link NetworkAddresses} standing for (network, the member's endpoint). Every QUIC
 * packet the codecs write to such an address is sealed with the network's epoch key ({@link
 * Sealer}, plaintext first byte {@link PrivateNetworks#QUIC}) and sent to the endpoint; every
 * sealed QUIC packet that opens under a network's key is fed to the codecs as if sent by that
 * address. So an outsider sees only sealed datagrams, a connection through a network is never
 * the public one, and the network a connection came through is its peer address. Event loop
 * only (the transport's socket loop is the runtime's).
 */
final class NetworkStreams implements AutoCloseable {
  /** Seals a plaintext for a network and sends it to an endpoint (drops it if the network has no key). */
  @FunctionalInterface
  interface Sealer {
    void send(NetworkId network, InetSocketAddress to, byte[] plaintext);
  }

  private final StreamTransport transport;
  private final Sealer sealer;
  private final NetworkAddresses addresses = new NetworkAddresses();
  private long packetsOut;
  private long packetsIn;
  private long noAddress;

  private final DatagramRoute route = new DatagramRoute() {
    @Override
    public boolean send(InetSocketAddress recipient, ByteBuf packet) {
      try {
        Optional<NetworkAddresses.Via> via = addresses.via(recipient);
        if (via.isPresent()) {
          byte[] plain = new byte[1 + packet.readableBytes()];
          plain[0] = PrivateNetworks.QUIC;
          packet.getBytes(packet.readerIndex(), plain, 1, plain.length - 1);
          packetsOut++;
          sealer.send(via.get().network(), via.get().endpoint(), plain);
        }
        return true; // an address of ours never goes to the socket, known or not
      } finally {
        packet.release();
      }
    }

    @Override
    public boolean handles(InetSocketAddress recipient) {
      return NetworkAddresses.isNetworkAddress(recipient);
    }
  };

  NetworkStreams(StreamTransport transport, Sealer sealer) {
    this.transport = transport;
    this.sealer = sealer;
    transport.addRoute(route);
  }

  /** Feed the opened QUIC packet {@code plaintext} (first byte {@link PrivateNetworks#QUIC}) of {@code network} from {@code from} to the codecs. */
  void onQuic(NetworkId network, InetSocketAddress from, byte[] plaintext) {
    Optional<InetSocketAddress> a = addresses.of(network, from);
    if (a.isEmpty() || plaintext.length < 2) {
      noAddress++;
      return;
    }
    packetsIn++;
    transport.injectQuic(a.get(), Unpooled.wrappedBuffer(plaintext, 1, plaintext.length - 1));
  }

  /** Return the address the codecs dial to reach {@code endpoint} through {@code network}, or empty when the table is full. */
  Optional<InetSocketAddress> address(NetworkId network, InetSocketAddress endpoint) {
    return addresses.of(network, endpoint);
  }

  /** Return the network a connection whose peer address is {@code remote} came through, or null (public). */
  NetworkId arrivedOn(SocketAddress remote) {
    return remote instanceof InetSocketAddress a ? addresses.via(a).map(NetworkAddresses.Via::network).orElse(null)
        : null;
  }

  /** Forget the addresses of {@code network} (this node left it): its packets go nowhere from now on. */
  void forget(NetworkId network) {
    addresses.forgetNetwork(network);
  }

  StreamTransport transport() {
    return transport;
  }

  /** Return {QUIC packets sealed out, opened in, dropped for a full address table}. */
  long[] counters() {
    return new long[] {packetsOut, packetsIn, noAddress};
  }

  /** Stop sealing QUIC packets (their connections die by idle timeout). */
  @Override
  public void close() {
    transport.removeRoute(route);
  }
}
