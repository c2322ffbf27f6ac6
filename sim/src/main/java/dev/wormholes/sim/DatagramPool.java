package dev.wormholes.sim;

import java.util.Arrays;

/**
 * Datagrams in flight, in slots reused through a free list: an event in the {@link EventQueue}
 * carries only a slot number. A slot holds the sender, the receiver and the serialized bytes
 * exactly as the sending engine produced them. {@link Simulation} stores node indices,
 * {@link NatLayer} public IPv4 addresses as ints, each with ports.
 */
final class DatagramPool {
  private int[] from;
  private int[] to;
  // Ports of the public endpoints (sender's after its NAT, receiver's as addressed); only with nat.dht.
  private int[] fromPort;
  private int[] toPort;
  private byte[][] data;
  private int[] free;
  private int freeCount;
  private int used;

  /** A pool of 1024 slots to start with. */
  DatagramPool() {
    this(1024);
  }

  /** A pool of {@code capacity} slots to start with (it grows as needed). */
  DatagramPool(int capacity) {
    from = new int[capacity];
    to = new int[capacity];
    fromPort = new int[capacity];
    toPort = new int[capacity];
    data = new byte[capacity][];
    free = new int[capacity];
  }

  /** Store a datagram and return its slot. */
  int add(int sender, int receiver, byte[] bytes) {
    return add(sender, receiver, 0, 0, bytes);
  }

  /** Store a datagram with the ports of its public endpoints and return its slot. */
  int add(int sender, int receiver, int senderPort, int receiverPort, byte[] bytes) {
    int slot;
    if (freeCount > 0) {
      slot = free[--freeCount];
    } else {
      if (used == from.length) grow();
      slot = used++;
    }
    from[slot] = sender;
    to[slot] = receiver;
    fromPort[slot] = senderPort;
    toPort[slot] = receiverPort;
    data[slot] = bytes;
    return slot;
  }

  int from(int slot) {
    return from[slot];
  }

  int to(int slot) {
    return to[slot];
  }

  int fromPort(int slot) {
    return fromPort[slot];
  }

  int toPort(int slot) {
    return toPort[slot];
  }

  /** Return the bytes of {@code slot} and free it. */
  byte[] take(int slot) {
    byte[] b = data[slot];
    data[slot] = null;
    if (freeCount == free.length) free = Arrays.copyOf(free, free.length * 2);
    free[freeCount++] = slot;
    return b;
  }

  private void grow() {
    int c = from.length * 2;
    from = Arrays.copyOf(from, c);
    to = Arrays.copyOf(to, c);
    fromPort = Arrays.copyOf(fromPort, c);
    toPort = Arrays.copyOf(toPort, c);
    data = Arrays.copyOf(data, c);
  }
}
