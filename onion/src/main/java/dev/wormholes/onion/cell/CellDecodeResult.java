package dev.wormholes.onion.cell;

/**
 * The outcome of a cell decoder: a value, or the reason the bytes were dropped. Never an exception.
 *
 * @param <T> what the decoder produces
 */
public sealed interface CellDecodeResult<T> permits CellDecodeResult.Ok, CellDecodeResult.Dropped {

  /** A decoded value. @param value the value */
  record Ok<T>(T value) implements CellDecodeResult<T> {}

  /** Dropped bytes. @param reason the first check that failed */
  record Dropped<T>(CellDropReason reason) implements CellDecodeResult<T> {}
}
