/**
 * A node's NAT brain as one composing engine, sans-I/O: {@link dev.wormholes.nat.node.NatCore}
 * owns the address observations and classification ({@link dev.wormholes.nat.node.Observations}),
 * the filtering/hairpin tests ({@link dev.wormholes.nat.node.FilterTest}), serving others' tests
 * ({@link dev.wormholes.nat.node.DialBacks}), rendezvous choice and registration, punch requests
 * over the {@link dev.wormholes.nat.punch.HolePunch} engines, and serving as {@link
 * dev.wormholes.nat.punch.Rendezvous}; {@link dev.wormholes.nat.node.RelayCore} composes the relay
 * engines with the node's relay decisions over it; {@link dev.wormholes.nat.node.PathEngine} runs
 * the path ladder. The daemon ({@code node/}'s {@code NatAgent}) and the
 * simulator drive the same object; time and randomness are handed in.
 */
package dev.wormholes.nat.node;
