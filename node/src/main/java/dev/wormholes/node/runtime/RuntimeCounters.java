package dev.wormholes.node.runtime;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of the UDP runtime, written on the event loop and read from any thread. Packets the
 * DHT engine drops after parsing are counted in the engine's own {@code DhtStats}.
 */
public final class RuntimeCounters {
  /** Every datagram read from the socket. */
  public final AtomicLong datagramsIn = new AtomicLong();
  /** Datagrams handed to the DHT engine. */
  public final AtomicLong dhtIn = new AtomicLong();
  /** Datagrams sent. */
  public final AtomicLong datagramsOut = new AtomicLong();
  /** Dropped: longer than {@code Limits.MAX_DATAGRAM} (never parsed). */
  public final AtomicLong droppedOversized = new AtomicLong();
  /** Dropped: empty. */
  public final AtomicLong droppedEmpty = new AtomicLong();
  /** Dropped: first byte is not the DHT's (QUIC will take these later). */
  public final AtomicLong droppedNotDht = new AtomicLong();
  /** Dropped: the source address exceeded its rate. */
  public final AtomicLong droppedRateLimited = new AtomicLong();
  /** Dropped: a public-network datagram on a node that runs private networks only. */
  public final AtomicLong droppedPublicOff = new AtomicLong();
  /** Exceptions caught on the event loop (each one a bug or an I/O error, never fatal). */
  public final AtomicLong loopErrors = new AtomicLong();

  /** Return every datagram the runtime dropped before the engine saw it. */
  public long droppedBeforeEngine() {
    return droppedOversized.get() + droppedEmpty.get() + droppedNotDht.get() + droppedRateLimited.get()
        + droppedPublicOff.get();
  }
}
