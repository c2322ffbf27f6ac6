package dev.wormholes.nat.portmap;

import java.net.InetAddress;

/**
 * A port mapping as the gateway granted it.
 *
 * @param protocol which protocol created it
 * @param externalAddress the gateway's public address ({@code null} when the protocol's reply
 *     does not carry it and it was not asked separately)
 * @param externalPort the public port
 * @param internalPort our local port it forwards to
 * @param lifetimeSeconds the granted lease; 0 means "deleted"
 * @param epochSeconds the gateway's epoch (NAT-PMP, PCP): a drop means it rebooted and lost state
 */
public record MappedPort(
    PortMapProtocol protocol,
    InetAddress externalAddress,
    int externalPort,
    int internalPort,
    long lifetimeSeconds,
    long epochSeconds) {}
