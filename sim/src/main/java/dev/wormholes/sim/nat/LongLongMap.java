package dev.wormholes.sim.nat;

import java.util.Arrays;

/**
 * A map from {@code long} to {@code long} with open addressing and linear probing over two
 * primitive arrays: no boxing, no entry objects, about 16 bytes per slot. Deletion shifts the
 * following run back (no tombstones), so lookups stay short after many expiries. Not thread-safe.
 *
 * <p>Iteration order ({@link #keyAt}) depends only on the sequence of operations, never on
 * identity hash codes: simulations stay deterministic.
 */
public final class LongLongMap {
  /** What {@link #get} returns for an absent key. */
  public static final long MISSING = Long.MIN_VALUE;
  private static final long EMPTY = Long.MIN_VALUE;

  private long[] keys;
  private long[] values;
  private int size;
  /** The key {@link #EMPTY} itself is kept apart: it marks free slots. */
  private boolean hasEmptyKey;
  private long emptyKeyValue;

  /** Create a map sized for about {@code expected} entries before it grows. */
  public LongLongMap(int expected) {
    int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
    keys = new long[cap];
    values = new long[cap];
    Arrays.fill(keys, EMPTY);
  }

  /** Return the number of entries. */
  public int size() {
    return size + (hasEmptyKey ? 1 : 0);
  }

  /** Return the value of {@code key}, or {@link #MISSING}. */
  public long get(long key) {
    if (key == EMPTY) return hasEmptyKey ? emptyKeyValue : MISSING;
    int mask = keys.length - 1;
    for (int i = slot(key, mask); ; i = (i + 1) & mask) {
      long k = keys[i];
      if (k == key) return values[i];
      if (k == EMPTY) return MISSING;
    }
  }

  /** Return whether {@code key} is present. */
  public boolean containsKey(long key) {
    return key == EMPTY ? hasEmptyKey : indexOf(key) >= 0;
  }

  /** Set {@code key} to {@code value} (any value but {@link #MISSING}). */
  public void put(long key, long value) {
    if (key == EMPTY) {
      hasEmptyKey = true;
      emptyKeyValue = value;
      return;
    }
    int mask = keys.length - 1;
    int i = slot(key, mask);
    while (keys[i] != EMPTY) {
      if (keys[i] == key) {
        values[i] = value;
        return;
      }
      i = (i + 1) & mask;
    }
    keys[i] = key;
    values[i] = value;
    if (++size * 4 > keys.length * 3) grow();
  }

  /** Remove {@code key}; return whether it was present. */
  public boolean remove(long key) {
    if (key == EMPTY) {
      boolean had = hasEmptyKey;
      hasEmptyKey = false;
      return had;
    }
    int i = indexOf(key);
    if (i < 0) return false;
    int mask = keys.length - 1;
    // Backward-shift deletion: move later members of the run into the hole when allowed.
    int hole = i;
    for (int j = (i + 1) & mask; keys[j] != EMPTY; j = (j + 1) & mask) {
      int home = slot(keys[j], mask);
      boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        keys[hole] = keys[j];
        values[hole] = values[j];
        hole = j;
      }
    }
    keys[hole] = EMPTY;
    size--;
    return true;
  }

  /** Return the slot capacity (for iteration with {@link #keyAt}). */
  public int capacity() {
    return keys.length;
  }

  /** Return the key in slot {@code i}, or {@link #MISSING} if the slot is free. */
  public long keyAt(int i) {
    return keys[i];
  }

  /** Return the value in slot {@code i} (meaningful only if the slot holds a key). */
  public long valueAt(int i) {
    return values[i];
  }

  private int indexOf(long key) {
    int mask = keys.length - 1;
    for (int i = slot(key, mask); ; i = (i + 1) & mask) {
      long k = keys[i];
      if (k == key) return i;
      if (k == EMPTY) return -1;
    }
  }

  private static int slot(long key, int mask) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }

  private void grow() {
    long[] oldKeys = keys;
    long[] oldValues = values;
    keys = new long[oldKeys.length * 2];
    values = new long[oldKeys.length * 2];
    Arrays.fill(keys, EMPTY);
    size = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != EMPTY) put(oldKeys[i], oldValues[i]);
    }
  }
}
