package dev.wormholes.node.stream;

import dev.wormholes.proto.engine.Transmit;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.epoll.SegmentedDatagramPacket;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Sends a burst of raw datagrams (a relay's forwarding, a circuit's packets) with few system
 * calls: each run of consecutive datagrams to one recipient that are all as long as the run's first
 * (the last may be shorter) leaves in one UDP GSO send, which the kernel cuts back into those
 * datagrams; the rest are written one by one; then one flush, which epoll turns into one sendmmsg.
 */
final class RawSends {
  /** Largest UDP payload of one GSO send (the kernel's limit is 65507 on IPv4). */
  static final int MAX_GSO_BYTES = 65_000;

  private final Channel socket;
  /** Most datagrams in one GSO send; below 2: no GSO. */
  private final int maxSegments;

  RawSends(Channel socket, int maxSegments) {
    this.socket = socket;
    this.maxSegments = maxSegments;
  }

  /** Write {@code datagrams} in order and flush once. */
  void send(List<Transmit> datagrams) {
    int n = datagrams.size();
    for (int i = 0; i < n; ) {
      int end = runEnd(datagrams, i, maxSegments);
      if (end - i < 2) {
        Transmit t = datagrams.get(i);
        socket.write(new DatagramPacket(Unpooled.wrappedBuffer(t.payload()), t.to()));
      } else {
        writeSegmented(datagrams, i, end);
      }
      i = end;
    }
    socket.flush();
  }

  /**
   * Return the end (exclusive) of the GSO run of {@code ds} starting at {@code start}: at most
   * {@code maxSegments} datagrams, {@link #MAX_GSO_BYTES} in all, one recipient, each as long as
   * the first but the last, which may be shorter.
   */
  static int runEnd(List<Transmit> ds, int start, int maxSegments) {
    Transmit first = ds.get(start);
    InetSocketAddress to = first.to();
    int size = first.payload().length;
    int bytes = size;
    int i = start + 1;
    while (i < ds.size() && i - start < maxSegments) {
      Transmit t = ds.get(i);
      int len = t.payload().length;
      if (len > size || bytes + len > MAX_GSO_BYTES || !t.to().equals(to)) {
        break;
      }
      bytes += len;
      i++;
      if (len < size) {
        break; // only the last segment of a GSO send may be shorter
      }
    }
    return i;
  }

  private void writeSegmented(List<Transmit> ds, int start, int end) {
    int bytes = 0;
    for (int i = start; i < end; i++) {
      bytes += ds.get(i).payload().length;
    }
    ByteBuf all = socket.alloc().directBuffer(bytes);
    for (int i = start; i < end; i++) {
      all.writeBytes(ds.get(i).payload());
    }
    Transmit first = ds.get(start);
    socket.write(new SegmentedDatagramPacket(all, first.payload().length, first.to()));
  }
}
