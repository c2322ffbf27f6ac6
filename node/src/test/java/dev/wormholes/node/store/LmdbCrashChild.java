package dev.wormholes.node.store;

import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.wire.StoredValue;
import java.nio.file.Path;

/**
 * Child process of {@link LmdbDurabilityTest}: store one value, print {@code ACKED}, then wait to
 * be killed with SIGKILL (no close, no shutdown hook runs).
 */
public final class LmdbCrashChild {
  private LmdbCrashChild() {}

  /** Args: db dir, value text. */
  public static void main(String[] args) throws InterruptedException {
    LmdbNodeStore store = LmdbNodeStore.open(Path.of(args[0]));
    StoredValue v = DhtValues.immutable(args[1].getBytes());
    store.values().put(DhtValues.keyOf(v).orElseThrow(), v, System.currentTimeMillis());
    store.sealWrites().join();
    System.out.println("ACKED");
    System.out.flush();
    Thread.sleep(60_000); // killed long before
    System.exit(3);
  }
}
