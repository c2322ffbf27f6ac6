package dev.wormholes.sim.nat;

import java.util.random.RandomGenerator;

/**
 * One NAT box with one host behind it, for UDP, in RFC 4787 terms: a mapping behaviour and a
 * filtering behaviour from its {@link NatType}, mapping expiry, a bounded state table, and
 * optionally one static port mapping (what UPnP-IGD, NAT-PMP or PCP would have installed).
 *
 * <ul>
 *   <li><b>Mapping</b> (outbound): endpoint-independent types reuse one public port per internal
 *       port and keep the internal port when it is free (port preservation, as Linux does);
 *       symmetric boxes take a fresh random port for every remote address and port.
 *   <li><b>Filtering</b> (inbound): a packet to a public port passes only if that port is mapped
 *       and, for address-dependent filtering, the host has sent to the remote address through it,
 *       for address-and-port-dependent filtering to the remote address and port. Refused packets
 *       are dropped and leave no state (the lab's drop policy).
 *   <li><b>Expiry</b>: a mapping and its permissions live {@code timeoutMs} after the host's last
 *       outbound packet through them (outbound refresh, RFC 4787 REQ-6; inbound does not refresh).
 *   <li><b>Bound</b>: at most {@code maxEntries} mappings plus permissions; when full, expired ones
 *       are swept, and if the table is still full the outbound packet is dropped (a full conntrack
 *       table), so memory never grows without bound.
 *   <li><b>Static mapping</b>: with a port mapping, inbound packets to the mapped public port reach
 *       the mapped internal port from anyone, with no expiry (the mapper renews its lease).
 * </ul>
 *
 * <p>Memory: three {@link LongLongMap}s keyed by packed (port, IPv4, port) longs; a box with one
 * mapping and one permission holds a few hundred bytes, a birthday session a few thousand. No
 * randomness of its own: the caller passes the simulation's generator, so runs stay seeded.
 * Addresses are IPv4 as {@code int}s. Not thread-safe.
 */
public final class NatBox {
  /** Returned when a packet is dropped. */
  public static final int DROP = -1;
  private static final int LOWEST_PORT = 1024;
  private static final long PORT_MASK = 0xFFFF;

  private final NatType type;
  private final long timeoutMs;
  private final int maxEntries;
  /** Public port of the static mapping, or -1. */
  private final int staticPublicPort;
  private final int staticInternalPort;
  // mapping key (internal port, remote as the mapping behaviour sees it) -> public port | expiry << 16
  private final LongLongMap byKey = new LongLongMap(2);
  // public port -> mapping key
  private final LongLongMap byPublicPort = new LongLongMap(2);
  // permission key (public port, remote as the filtering behaviour sees it) -> expiry
  private final LongLongMap permissions = new LongLongMap(2);
  private long created;
  private long expired;
  private long filtered;
  private long tableFull;

  /**
   * A box of {@code type} whose mappings live {@code timeoutMs} after their last outbound use,
   * holding at most {@code maxEntries} mappings plus permissions; {@code staticPublicPort} maps to
   * {@code staticInternalPort} for anyone ({@code staticPublicPort = -1}: no port mapping).
   */
  public NatBox(NatType type, long timeoutMs, int maxEntries, int staticPublicPort, int staticInternalPort) {
    if (type == NatType.PUBLIC) throw new IllegalArgumentException("a public node has no NAT box");
    this.type = type;
    this.timeoutMs = timeoutMs;
    this.maxEntries = maxEntries;
    this.staticPublicPort = staticPublicPort;
    this.staticInternalPort = staticInternalPort;
  }

  /**
   * Translate a packet the host sends from {@code internalPort} to {@code remoteIp:remotePort} at
   * {@code now}: return the public source port it leaves with, or {@link #DROP} if the state table
   * is full. Creates or refreshes the mapping and the permission for that remote.
   */
  public int outbound(int internalPort, int remoteIp, int remotePort, long now, RandomGenerator random) {
    long key = mappingKey(internalPort, remoteIp, remotePort);
    long v = byKey.get(key);
    int publicPort;
    if (v != LongLongMap.MISSING && (v >>> 16) > now) {
      publicPort = (int) (v & PORT_MASK);
    } else {
      if (v != LongLongMap.MISSING) expire(key, v);
      if (!room(now, 2)) {
        tableFull++;
        return DROP;
      }
      publicPort = allocate(internalPort, random);
      byPublicPort.put(publicPort, key);
      created++;
    }
    byKey.put(key, publicPort | (now + timeoutMs) << 16);
    if (type.filtering != dev.wormholes.nat.NatBehaviour.ENDPOINT_INDEPENDENT) {
      if (!permissions.containsKey(permissionKey(publicPort, remoteIp, remotePort)) && !room(now, 1)) {
        tableFull++;
        return DROP;
      }
      permissions.put(permissionKey(publicPort, remoteIp, remotePort), now + timeoutMs);
    }
    return publicPort;
  }

  /**
   * Filter a packet from {@code remoteIp:remotePort} to public port {@code publicPort} at {@code
   * now}: return the internal port it is delivered to, or {@link #DROP}.
   */
  public int inbound(int remoteIp, int remotePort, int publicPort, long now) {
    if (publicPort == staticPublicPort) {
      track(remoteIp, remotePort, now);
      return staticInternalPort;
    }
    long key = byPublicPort.get(publicPort);
    if (key == LongLongMap.MISSING) {
      filtered++;
      return DROP;
    }
    long v = byKey.get(key);
    if ((v >>> 16) <= now) {
      expire(key, v);
      filtered++;
      return DROP;
    }
    if (type.filtering != dev.wormholes.nat.NatBehaviour.ENDPOINT_INDEPENDENT) {
      long pk = permissionKey(publicPort, remoteIp, remotePort);
      long until = permissions.get(pk);
      if (until == LongLongMap.MISSING || until <= now) {
        if (until != LongLongMap.MISSING) permissions.remove(pk);
        filtered++;
        return DROP;
      }
    }
    return (int) (key >>> 48);
  }

  /**
   * Connection tracking of a flow that came in through the static mapping: the host's replies to
   * that remote must leave from the mapped port (as conntrack rewrites them), whatever the box's
   * mapping behaviour, or a symmetric box would answer from a fresh port the remote filters out.
   */
  private void track(int remoteIp, int remotePort, long now) {
    long key = mappingKey(staticInternalPort, remoteIp, remotePort);
    long v = byKey.get(key);
    if (v != LongLongMap.MISSING && (v >>> 16) > now) return;
    if (v != LongLongMap.MISSING) expire(key, v);
    if (!room(now, 1)) {
      tableFull++;
      return;
    }
    byKey.put(key, staticPublicPort | (now + timeoutMs) << 16);
    if (!type.endpointDependent()) byPublicPort.put(staticPublicPort, key); // the one EIM mapping of that port
    created++;
  }

  private long mappingKey(int internalPort, int remoteIp, int remotePort) {
    long k = (long) internalPort << 48;
    switch (type.mapping) {
      case ADDRESS_DEPENDENT: return k | (remoteIp & 0xFFFFFFFFL) << 16;
      case ADDRESS_AND_PORT_DEPENDENT: return k | (remoteIp & 0xFFFFFFFFL) << 16 | remotePort;
      default: return k;
    }
  }

  private long permissionKey(int publicPort, int remoteIp, int remotePort) {
    long k = (long) publicPort << 48 | (remoteIp & 0xFFFFFFFFL) << 16;
    return type.filtering == dev.wormholes.nat.NatBehaviour.ADDRESS_AND_PORT_DEPENDENT ? k | remotePort : k;
  }

  private int allocate(int internalPort, RandomGenerator random) {
    if (!type.endpointDependent() && portFree(internalPort, internalPort)) {
      return internalPort; // port preservation
    }
    int port;
    do {
      port = LOWEST_PORT + random.nextInt(65536 - LOWEST_PORT);
    } while (!portFree(port, internalPort));
    return port;
  }

  private boolean portFree(int port, int internalPort) {
    // The mapped port belongs to the mapped internal port, and only an EIM mapping may share it.
    if (port == staticPublicPort && (internalPort != staticInternalPort || type.endpointDependent())) return false;
    return !byPublicPort.containsKey(port);
  }

  private void expire(long key, long v) {
    byKey.remove(key);
    if (byPublicPort.get(v & PORT_MASK) == key) byPublicPort.remove(v & PORT_MASK);
    expired++;
  }

  /** Return whether {@code more} entries fit, sweeping expired ones first if needed. */
  private boolean room(long now, int more) {
    if (entries() + more <= maxEntries) return true;
    sweep(now);
    return entries() + more <= maxEntries;
  }

  private int entries() {
    return byKey.size() + permissions.size();
  }

  /** Drop every expired mapping and permission. */
  public void sweep(long now) {
    long[] dead = collectExpired(byKey, now, true);
    for (long key : dead) expire(key, byKey.get(key));
    for (long pk : collectExpired(permissions, now, false)) permissions.remove(pk);
  }

  private static long[] collectExpired(LongLongMap m, long now, boolean packed) {
    long[] out = new long[m.size()];
    int n = 0;
    for (int i = 0; i < m.capacity(); i++) {
      long k = m.keyAt(i);
      if (k == LongLongMap.MISSING) continue;
      long until = packed ? m.valueAt(i) >>> 16 : m.valueAt(i);
      if (until <= now) out[n++] = k;
    }
    return java.util.Arrays.copyOf(out, n);
  }

  /** Return the box's type. */
  public NatType type() {
    return type;
  }

  /** Return the live mappings (expired ones not yet swept included). */
  public int mappings() {
    return byKey.size();
  }

  /** Return the mappings plus permissions held. */
  public int size() {
    return entries();
  }

  /** Return mappings created so far. */
  public long created() {
    return created;
  }

  /** Return mappings expired so far. */
  public long expired() {
    return expired;
  }

  /** Return inbound packets dropped by filtering or for lack of a mapping. */
  public long filtered() {
    return filtered;
  }

  /** Return outbound packets dropped because the state table was full. */
  public long tableFull() {
    return tableFull;
  }
}
