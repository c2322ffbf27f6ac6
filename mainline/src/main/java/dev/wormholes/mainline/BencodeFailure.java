package dev.wormholes.mainline;

/** Why {@link BencodeDecoder} refused an input. */
public enum BencodeFailure {
  /** More bytes than the limit allows. */
  TOO_LARGE,
  /** Lists and dictionaries nested deeper than the limit. */
  TOO_DEEP,
  /** More values in total than the limit allows. */
  TOO_MANY_ITEMS,
  /** The input ended inside a value. */
  TRUNCATED,
  /** A byte that starts no value. */
  BAD_TYPE,
  /** An integer that is empty, not decimal, non-canonical ({@code i03e}, {@code i-0e}) or over 18 digits. */
  BAD_INTEGER,
  /** A string length that is not a canonical non-negative decimal. */
  BAD_LENGTH,
  /** A dictionary key that is not a byte string. */
  BAD_KEY,
  /** Dictionary keys not strictly increasing in raw byte order (also duplicates). */
  UNSORTED_KEYS,
  /** Bytes after the one value. */
  TRAILING_DATA
}
