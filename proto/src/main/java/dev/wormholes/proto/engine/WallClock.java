package dev.wormholes.proto.engine;

/**
 * Unix-epoch wall time in milliseconds, injected into engines for record expiry (signed records
 * carry absolute times). Timers use the monotonic {@code now} passed to each {@code handle*} call.
 * {@code node/} passes {@code System::currentTimeMillis}; {@code sim/} a virtual clock.
 */
@FunctionalInterface
public interface WallClock {
  /** Return the current Unix time in milliseconds. */
  long millis();
}
