/**
 * A virtual-time network with NAT boxes in RFC 4787 terms ({@link dev.wormholes.nat.sim.VirtualNat},
 * after Tailscale's natlab) on which the real punch engines run ({@link
 * dev.wormholes.nat.sim.SimPeer}, {@link dev.wormholes.nat.sim.PunchScenario}). Test scope only.
 */
package dev.wormholes.nat.sim;
