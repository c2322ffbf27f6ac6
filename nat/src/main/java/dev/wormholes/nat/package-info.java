/**
 * NAT traversal engines, sans-I/O (ARCHITECTURE.md): {@link dev.wormholes.nat.AddressObserver}
 * learns the node's public endpoint from peers' observations, {@link
 * dev.wormholes.nat.NatClassifier} describes the NAT in RFC 4787 terms as a {@link
 * dev.wormholes.nat.NatReport}, {@link dev.wormholes.nat.DialBackRule} keeps dial-backs from
 * becoming a reflection service. Port mapping lives in {@code portmap}, hole punching in {@code
 * punch}. Nothing here reads a clock, draws its own randomness or touches a socket: time arrives
 * as {@code long now} (monotonic milliseconds), randomness as a handed-in {@link
 * java.util.random.RandomGenerator}.
 */
package dev.wormholes.nat;
