package dev.wormholes.nat.node;

import dev.wormholes.nat.punch.HolePunch;
import dev.wormholes.nat.relay.SyntheticAddresses;
import dev.wormholes.proto.Endpoints;
import dev.wormholes.proto.wire.EndpointKind;
import dev.wormholes.proto.wire.NatBehaviour;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.ReachEndpoint;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The connectivity ladder's decisions, sans-I/O: from a node's presence record, which endpoints to
 * dial at once and as what kind of path, whether a hole punch through the record's introducers runs
 * alongside, when relays start, and when a relayed path looks for a direct one again. node/'s
 * {@code PathFinder} composes its dials, punch and relay futures from {@link #plan}; the simulator
 * runs the same plan in virtual time.
 *
 * <p>The ladder: the LAN, port-mapped and observed endpoints are dialled at once (an observed
 * endpoint is skipped when the record says the node's NAT filters unsolicited packets), together
 * with a punch when the record lists introducers and a NAT; the first authenticated path wins.
 * Relays start after {@link #RELAY_AFTER_MS}, or after {@link #RELAY_AFTER_NO_PUNCH_MS} when no
 * punch can work (both mappings endpoint-dependent, no port mapping), or once every attempt failed.
 * A relayed path tries the direct part again {@link #UPGRADE_AFTER_MS} after it was made.
 */
public final class PathLadder {
  /** How long direct attempts and the punch get before relays are tried too. */
  public static final long RELAY_AFTER_MS = 3_000;
  /**
   * The same when no punch can work: only a LAN endpoint could still answer, and it answers within
   * this time when it is there.
   */
  public static final long RELAY_AFTER_NO_PUNCH_MS = 300;
  /** When a relayed path looks for a direct one again (ms after it was made). */
  private static final long[] UPGRADE_AFTER_MS = {15_000, 60_000, 300_000};

  private PathLadder() {}

  /**
   * What to try towards one node.
   *
   * @param direct endpoints to dial at once, in ladder order, each with the kind of path it makes
   *     (LAN, DIRECT or MAPPED)
   * @param punch whether a punch through the record's introducers runs alongside
   * @param relayAfterMs when relays start if no path was found (ms after the search began)
   */
  public record Plan(Map<InetSocketAddress, HolePunch.PathKind> direct, boolean punch, long relayAfterMs) {}

  /**
   * Return the plan for {@code record}; {@code selfHard}: this node's own mapping is
   * endpoint-dependent (symmetric) without a port mapping.
   */
  public static Plan plan(Presence record, boolean selfHard) {
    boolean noPunch = selfHard && hard(record);
    boolean punch = !noPunch && record.getIntroducersCount() > 0
        && record.getNat().getMapping() != NatBehaviour.NAT_NONE;
    return new Plan(directEndpoints(record), punch, noPunch ? RELAY_AFTER_NO_PUNCH_MS : RELAY_AFTER_MS);
  }

  /**
   * Return how long after round {@code round - 1} (or after the relayed path was made, for round 0)
   * a relayed path tries the direct part again; empty once the rounds are over.
   */
  public static OptionalLong upgradeDelay(int round) {
    if (round < 0 || round >= UPGRADE_AFTER_MS.length) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(UPGRADE_AFTER_MS[round] - (round == 0 ? 0 : UPGRADE_AFTER_MS[round - 1]));
  }

  /**
   * Return the record's dialable endpoints in ladder order: LAN, MAPPED, then OBSERVED unless
   * filtered. A LAN endpoint of a node without NAT (the record's mapping is none, or the same
   * address is also observed by peers) is its public endpoint: reaching it is DIRECT, not LAN.
   */
  public static Map<InetSocketAddress, HolePunch.PathKind> directEndpoints(Presence record) {
    NatBehaviour filtering = record.getNat().getFiltering();
    boolean filtered = filtering == NatBehaviour.NAT_ADDRESS_DEPENDENT
        || filtering == NatBehaviour.NAT_ADDRESS_AND_PORT_DEPENDENT;
    boolean noNat = record.getNat().getMapping() == NatBehaviour.NAT_NONE;
    List<InetSocketAddress> observed = endpoints(record, EndpointKind.ENDPOINT_OBSERVED);
    Map<InetSocketAddress, HolePunch.PathKind> out = new LinkedHashMap<>();
    for (InetSocketAddress a : endpoints(record, EndpointKind.ENDPOINT_LAN)) {
      out.putIfAbsent(a, noNat || observed.contains(a) ? HolePunch.PathKind.DIRECT : HolePunch.PathKind.LAN);
    }
    endpoints(record, EndpointKind.ENDPOINT_MAPPED).forEach(a -> out.putIfAbsent(a, HolePunch.PathKind.MAPPED));
    if (!filtered) {
      observed.forEach(a -> out.putIfAbsent(a, HolePunch.PathKind.DIRECT));
    }
    return out;
  }

  /** Return whether {@code record}'s node has an endpoint-dependent mapping and no port mapping. */
  public static boolean hard(Presence record) {
    NatBehaviour m = record.getNat().getMapping();
    return (m == NatBehaviour.NAT_ADDRESS_DEPENDENT || m == NatBehaviour.NAT_ADDRESS_AND_PORT_DEPENDENT)
        && endpoints(record, EndpointKind.ENDPOINT_MAPPED).isEmpty();
  }

  private static List<InetSocketAddress> endpoints(Presence record, EndpointKind kind) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (ReachEndpoint e : record.getEndpointsList()) {
      InetSocketAddress a = e.getKind() == kind ? Endpoints.fromWire(e.getEndpoint()).orElse(null) : null;
      if (a != null && !a.getAddress().isAnyLocalAddress() && a.getPort() != 0
          && !SyntheticAddresses.isSynthetic(a)) { // 100::/64 stands for our own relay circuits
        out.add(a);
      }
    }
    return out;
  }
}
