package dev.wormholes.proto;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * Ed25519 public keys decoded into Bouncy Castle's {@link Ed25519.PublicPoint}, remembered by their
 * 32 bytes, so that a key which signs again (a contact's key proofs, a hole-punch peer's probes, a
 * record's next sequence number) is not decompressed again: {@link Identity#verify} then skips one
 * point decompression (a field square root) per verification.
 *
 * <p>A key is decoded by {@link Ed25519#validatePublicKeyPartialExport}, which refuses exactly the
 * keys that {@code Ed25519.verify} refuses from the key bytes: encodings with y &gt;= p, points off
 * the curve, x = 0 with the sign bit set, and the eight points of small order. Keys of mixed order
 * are accepted by both, as before. A refused key is not remembered, so refusals do not evict
 * genuine keys; each one costs a decode, as it always did.
 *
 * <p>Bounded by its entry count (least recently used out, about 250 bytes each). Thread-safe (one
 * lock, not held while decoding; a hit costs a hash of 32 bytes and an equals).
 */
final class DecodedKeys {
  private final Map<ByteBuffer, Ed25519.PublicPoint> points;
  private long hits;
  private long misses;

  /** Keep at most {@code capacity} decoded keys. */
  DecodedKeys(int capacity) {
    this.points = new LinkedHashMap<>(64, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<ByteBuffer, Ed25519.PublicPoint> eldest) {
        return size() > capacity;
      }
    };
  }

  /**
   * Return the decoded point of the 32-byte {@code publicKey}, or null if Ed25519 verification
   * refuses that key. Never throws on a 32-byte input.
   */
  Ed25519.PublicPoint decode(byte[] publicKey) {
    ByteBuffer key = ByteBuffer.wrap(publicKey.clone());
    Ed25519.PublicPoint point = remembered(key);
    if (point == null) {
      point = Ed25519.validatePublicKeyPartialExport(publicKey, 0); // outside the lock
      if (point != null) {
        remember(key, point);
      }
    }
    return point;
  }

  private synchronized Ed25519.PublicPoint remembered(ByteBuffer key) {
    Ed25519.PublicPoint point = points.get(key);
    if (point != null) {
      hits++;
    } else {
      misses++;
    }
    return point;
  }

  private synchronized void remember(ByteBuffer key, Ed25519.PublicPoint point) {
    points.put(key, point);
  }

  /** Return how many decodes were answered from memory. */
  synchronized long hits() {
    return hits;
  }

  /** Return how many decodes ran Bouncy Castle's decoder. */
  synchronized long misses() {
    return misses;
  }

  /** Return how many keys are remembered. */
  synchronized int size() {
    return points.size();
  }
}
