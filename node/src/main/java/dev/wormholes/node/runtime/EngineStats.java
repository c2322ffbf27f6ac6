package dev.wormholes.node.runtime;

import dev.wormholes.dht.DhtEngine;

/** Read the DHT engine's counters for {@code status} (call on the engine's loop). */
public final class EngineStats {
  private EngineStats() {}

  /** Return how many datagrams the engine dropped (malformed, wrong network, rate limited, ...). */
  public static long dropped(DhtEngine engine) {
    return engine.stats().droppedTotal();
  }
}
