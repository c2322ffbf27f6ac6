package dev.wormholes.nat.node;

import dev.wormholes.nat.punch.HolePunch;
import java.net.InetSocketAddress;

/**
 * A direct path found by {@link NatCore#punch}: the main transport can {@code connect()} to
 * {@code endpoint} (its NAT binding is open from both sides).
 *
 * @param endpoint the peer's endpoint that answered our signed probe with its key
 * @param kind how the path came about (LAN, DIRECT, MAPPED, PUNCHED, BIRTHDAY)
 * @param elapsedMs time from the punch request to the authenticated path
 * @param probesSent probes this side sent
 */
public record PunchedPath(InetSocketAddress endpoint, HolePunch.PathKind kind, long elapsedMs, int probesSent) {}
