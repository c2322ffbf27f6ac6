package dev.wormholes.sim;

import dev.wormholes.dht.DhtEngine;
import dev.wormholes.nat.lan.Announce;
import dev.wormholes.nat.lan.LanAnnouncer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Optional;

/**
 * LAN segments whose nodes find each other by the daemon's LAN discovery engine: every member runs
 * a {@link LanAnnouncer} (announce at its start and every 30 s, heard announces filtered) and a
 * report goes to {@link LanAnnouncer#joinThrough} on its {@link DhtEngine}, as node/'s {@code
 * LanDiscovery} and {@code WormholesNode} do. {@code lan.segments} segments of {@code lan.size}
 * honest nodes (with {@code bootstrap = join}, taken after the seeds); each segment's first member
 * joins through the seeds, the others start with no seed at all (a node whose only way in is its
 * LAN) and are the ones measured: the time from their start to their first routing-table contact.
 *
 * <p>The world, not a decision, is modelled here: a multicast announce reaches every member of the
 * sender's segment that is online (itself included, as the daemon's multicast loop does) after
 * {@link #LAN_DELAY_MS}, without loss; the "on one of our links" test is "in my segment". The DHT
 * ping and lookups an announce leads to travel through the run's network model like all DHT
 * traffic. A member the churn took away neither announces nor hears; its next announce waits until
 * it is back.
 */
final class LanWorkload {
  /** One-way delay of a multicast announce on the LAN. */
  static final long LAN_DELAY_MS = 1;
  private static final int TICK_FLAG = 1 << 30;

  private final int size;
  private final int[] members;     // node index by member ordinal (segment = ordinal / size)
  private final int[] ordinalOf;   // member ordinal by node index, -1 if in no segment
  private final boolean announce;
  private final LanAnnouncer[] engines; // by member ordinal; null until the member starts
  private final long[] startedAt;       // by member ordinal
  private final long[] firstContactAt;  // by member ordinal, -1 until it has a contact
  // Announces in flight, in delivery order (every one takes LAN_DELAY_MS): {from, to} and the bytes.
  private final ArrayDeque<int[]> inFlight = new ArrayDeque<>();
  private final ArrayDeque<byte[]> inFlightBytes = new ArrayDeque<>();
  private Simulation sim;
  private long sent;
  private long heard;
  private long reported;
  private long joins;
  private long ignored;

  /** Segments of {@code size} nodes from {@code candidates} (honest, not seeds), in their order. */
  LanWorkload(int segments, int size, boolean announce, int[] candidates, int nodes) {
    if (size < 2) throw new IllegalArgumentException("lan.size must be at least 2");
    if ((long) segments * size > candidates.length) {
      throw new IllegalArgumentException("lan.segments x lan.size exceeds the honest nodes that are not seeds");
    }
    this.size = size;
    this.announce = announce;
    this.members = Arrays.copyOf(candidates, segments * size);
    this.ordinalOf = new int[nodes];
    Arrays.fill(ordinalOf, -1);
    for (int m = 0; m < members.length; m++) ordinalOf[members[m]] = m;
    this.engines = new LanAnnouncer[members.length];
    this.startedAt = new long[members.length];
    this.firstContactAt = new long[members.length];
    Arrays.fill(firstContactAt, -1);
  }

  void attach(Simulation sim) {
    this.sim = sim;
  }

  /** Return whether node {@code i} starts with no seed (its LAN is its only way in). */
  boolean seedless(int i) {
    return ordinalOf[i] >= 0 && ordinalOf[i] % size != 0;
  }

  /** Node {@code i} starts now: its LAN engine starts with it. */
  void started(int i, long now) {
    int m = ordinalOf[i];
    if (m < 0) return;
    startedAt[m] = now;
    InetSocketAddress self = sim.addresses[i];
    int segment = m / size;
    engines[m] = new LanAnnouncer(new Announce(sim.engines[i].config().networkId(), sim.ids[i], self.getPort()),
        from -> onSegment(from, segment), now);
    if (announce) tick(m, now);
  }

  /** Dispatch a LAN event ({@link Simulation}'s LAN kind). */
  void dispatch(int index, long now) {
    if ((index & TICK_FLAG) != 0) {
      tick(index & ~TICK_FLAG, now);
    } else {
      deliver(now);
    }
  }

  /** Node {@code i} took a datagram: note its first contact. */
  void afterDatagram(int i, long now) {
    int m = ordinalOf[i];
    if (m < 0) return;
    if (firstContactAt[m] < 0 && engines[m] != null && sim.engines[i].contactCount() > 0) firstContactAt[m] = now;
  }

  private void tick(int m, long now) {
    LanAnnouncer e = engines[m];
    int i = members[m];
    if (sim.online[i]) {
      e.handleTimeout(now);
      byte[] bytes = e.pollTransmit();
      if (bytes != null) {
        sent++;
        int first = m / size * size;
        for (int to = first; to < first + size; to++) {
          inFlight.add(new int[] {i, members[to]});
          inFlightBytes.add(bytes);
          sim.push(now + LAN_DELAY_MS, Simulation.LAN, 0);
        }
      }
    }
    sim.push(Math.max(e.pollTimeout(), now + 1), Simulation.LAN, m | TICK_FLAG);
  }

  private void deliver(long now) {
    int[] ends = inFlight.poll();
    byte[] bytes = inFlightBytes.poll();
    int to = ends[1];
    LanAnnouncer e = engines[ordinalOf[to]];
    if (e == null || !sim.online[to]) return;
    heard++;
    Optional<LanAnnouncer.Heard> h = e.handleDatagram(bytes, sim.addresses[ends[0]].getAddress(), now);
    if (h.isEmpty()) return;
    reported++;
    if (LanAnnouncer.joinThrough(sim.engines[to], h.get(), now) >= 0) {
      joins++;
      sim.drain(to);
    } else {
      ignored++;
    }
  }

  private boolean onSegment(InetAddress from, int segment) {
    int j = SimAddresses.indexOf(new InetSocketAddress(from, SimAddresses.PORT));
    return j >= 0 && j < ordinalOf.length && ordinalOf[j] >= 0 && ordinalOf[j] / size == segment;
  }

  /** Add the LAN counters: announces, reports, joins, and the seedless members' time to a first contact. */
  void count(Simulation.Counters c) {
    c.put("lan.members", members.length);
    c.put("lan.announces_sent", sent);
    c.put("lan.announces_heard", heard);
    c.put("lan.announces_reported", reported);
    c.put("lan.joins", joins);
    c.put("lan.reports_ignored_joined", ignored);
    long[] waits = new long[members.length];
    int seedless = 0;
    int contacted = 0;
    for (int m = 0; m < members.length; m++) {
      if (m % size == 0 || engines[m] == null) continue;
      seedless++;
      if (firstContactAt[m] >= 0) waits[contacted++] = firstContactAt[m] - startedAt[m];
    }
    c.put("lan.seedless_started", seedless);
    c.put("lan.seedless_with_contact", contacted);
    Arrays.sort(waits, 0, contacted);
    if (contacted > 0) {
      c.put("lan.first_contact_ms_p50", waits[(int) Math.ceil(0.5 * contacted) - 1]);
      c.put("lan.first_contact_ms_p90", waits[(int) Math.ceil(0.9 * contacted) - 1]);
      c.put("lan.first_contact_ms_max", waits[contacted - 1]);
    }
    long tables = 0;
    int inNetwork = 0;
    for (int m = 0; m < members.length; m++) {
      if (m % size == 0 || engines[m] == null) continue;
      DhtEngine e = sim.engines[members[m]];
      tables += e.contactCount();
      // In the network: its table holds a node that is not seedless (else it is on an island of seedless nodes).
      for (dev.wormholes.dht.Contact k : e.contacts()) {
        int j = sim.indexOf(k.address());
        if (j >= 0 && !seedless(j)) {
          inNetwork++;
          break;
        }
      }
    }
    c.put("lan.seedless_contacts_at_end", tables);
    c.put("lan.seedless_in_network", inNetwork);
  }
}
