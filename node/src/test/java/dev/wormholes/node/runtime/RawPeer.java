package dev.wormholes.node.runtime;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.wormholes.proto.Limits;
import dev.wormholes.proto.wire.Packet;
import dev.wormholes.proto.wire.Ping;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.Random;

/** A hand-driven peer on a plain UDP socket on loopback: sends raw bytes and hand-built packets. */
final class RawPeer implements AutoCloseable {
  private final DatagramSocket socket;
  private final InetSocketAddress node;
  private final Random random;
  private final byte[] senderId;
  private ByteString token = ByteString.EMPTY;

  RawPeer(String localIp, InetSocketAddress node, long seed) {
    try {
      this.socket = new DatagramSocket(new InetSocketAddress(localIp, 0));
      this.socket.setSoTimeout(2000);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.node = node;
    this.random = new Random(seed);
    // An id with the public network's work: the node drops datagrams from ids without it.
    this.senderId = dev.wormholes.proto.KeyProofs.grind(random, dev.wormholes.dht.DhtConfig.PUBLIC_ID_WORK_BITS, null)
        .id().toBytes();
  }

  /** Send {@code bytes} as one datagram. */
  void send(byte[] bytes) {
    try {
      socket.send(new DatagramPacket(bytes, bytes.length, node));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Return a request header with a fresh txid, our sender id, the node's token if we have one. */
  Packet.Builder request() {
    return Packet.newBuilder().setMagic(Limits.MAGIC).setVersion(Limits.PROTOCOL_VERSION).setNetworkId(0)
        .setTxid(random.nextLong()).setSenderId(ByteString.copyFrom(senderId)).setToken(token);
  }

  /** Return a padded ping (so that even the unvalidated answer carries a token). */
  Packet ping() {
    return request().setPing(Ping.getDefaultInstance()).setPadding(ByteString.copyFrom(new byte[200])).build();
  }

  /** Send {@code p} and return the response with its txid, or null after 2 s; remember its token. */
  Packet exchange(Packet p) {
    send(p.toByteArray());
    return awaitReply(p.getTxid());
  }

  /** Return the next response with {@code txid}, or null after 2 s; remember its token. */
  Packet awaitReply(long txid) {
    long deadline = System.currentTimeMillis() + 2000;
    byte[] buf = new byte[2048];
    while (System.currentTimeMillis() < deadline) {
      DatagramPacket d = new DatagramPacket(buf, buf.length);
      try {
        socket.receive(d);
        Packet r = Packet.parseFrom(Arrays.copyOf(d.getData(), d.getLength()));
        if (r.getTxid() == txid) {
          if (!r.getToken().isEmpty()) {
            token = r.getToken();
          }
          return r;
        }
      } catch (SocketTimeoutException e) {
        return null;
      } catch (InvalidProtocolBufferException e) {
        // not ours; keep waiting
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return null;
  }

  @Override
  public void close() {
    socket.close();
  }
}
