package dev.wormholes.networks;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A roster too large for one datagram travels in fragments: {@code kind (1) | id (8) | index (1) |
 * count (1) | bytes}. The receiver puts them back together per (sender, kind, id); at most {@link
 * #MAX_OPEN} reassemblies at once (the oldest is dropped), each of at most {@link #MAX_PARTS}
 * parts, each forgotten after {@link #TTL_MS}. Fragments arrive only sealed, so only key holders
 * can fill these tables. Time is handed in.
 */
public final class Fragments {
  /** Bytes of payload per fragment. */
  public static final int SLICE = 1_100;
  /** Most parts of one message (a roster is at most 64 KiB). */
  public static final int MAX_PARTS = 60;
  /** Most reassemblies in progress. */
  public static final int MAX_OPEN = 16;
  /** How long a reassembly waits for its missing parts. */
  public static final long TTL_MS = 30_000;

  private record Key(InetSocketAddress from, byte kind, long id) {}

  private static final class Open {
    final byte[][] parts;
    final long started;
    int have;

    Open(int count, long started) {
      this.parts = new byte[count][];
      this.started = started;
    }
  }

  private final Map<Key, Open> open = new LinkedHashMap<>();

  /** Return {@code message} of {@code kind} in fragments (empty if it needs more than {@link #MAX_PARTS}). */
  public static List<byte[]> split(byte kind, long id, byte[] message) {
    int count = Math.max(1, (message.length + SLICE - 1) / SLICE);
    if (count > MAX_PARTS) {
      return List.of();
    }
    List<byte[]> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int from = i * SLICE;
      int len = Math.min(SLICE, message.length - from);
      out.add(ByteBuffer.allocate(11 + len).put(kind).putLong(id).put((byte) i).put((byte) count)
          .put(message, from, len).array());
    }
    return out;
  }

  /** Take fragment {@code f} from {@code from} at {@code now}; return the whole message once complete. */
  public Optional<byte[]> add(InetSocketAddress from, byte[] f, long now) {
    if (f.length < 11) {
      return Optional.empty();
    }
    ByteBuffer b = ByteBuffer.wrap(f);
    Key key = new Key(from, b.get(), b.getLong());
    int index = b.get() & 0xff;
    int count = b.get() & 0xff;
    if (count == 0 || count > MAX_PARTS || index >= count) {
      return Optional.empty();
    }
    byte[] slice = new byte[f.length - 11];
    b.get(slice);
    if (count == 1) {
      return Optional.of(slice);
    }
    open.values().removeIf(o -> now - o.started > TTL_MS);
    Open o = open.get(key);
    if (o == null || o.parts.length != count) {
      if (open.size() >= MAX_OPEN) {
        Iterator<Key> oldest = open.keySet().iterator();
        oldest.next();
        oldest.remove();
      }
      o = new Open(count, now);
      open.put(key, o);
    }
    if (o.parts[index] == null) {
      o.parts[index] = slice;
      o.have++;
    }
    if (o.have < count) {
      return Optional.empty();
    }
    open.remove(key);
    ByteBuffer whole = ByteBuffer.allocate(java.util.Arrays.stream(o.parts).mapToInt(p -> p.length).sum());
    for (byte[] p : o.parts) {
      whole.put(p);
    }
    return Optional.of(whole.array());
  }
}
