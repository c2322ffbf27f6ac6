/**
 * NAT boxes for the simulator, in RFC 4787 terms (mapping and filtering as separate axes, after
 * Tailscale's natlab), built for a memory budget: a box is a few primitive hash tables that exist
 * only once its node has sent something, bounded in size, with mapping expiry.
 */
package dev.wormholes.sim.nat;
