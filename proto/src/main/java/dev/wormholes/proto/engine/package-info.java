/**
 * The port between sans-I/O engines and their runtimes (ARCHITECTURE.md).
 *
 * <p>Engines take inputs through {@code handle*(…, long now)} methods, where {@code now} is
 * monotonic milliseconds, and give outputs through {@code pollTransmit()}, {@code pollTimeout()}
 * and {@code pollEvent()}. Randomness arrives as a {@link java.util.random.RandomGenerator} handed
 * down by the runtime (seeded in {@code sim/}); wall time as a {@link WallClock}. A driver drains
 * every {@code poll*} after each input before giving the next one.
 */
package dev.wormholes.proto.engine;
