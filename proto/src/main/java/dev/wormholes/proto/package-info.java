/**
 * What every engine and runtime shares: identities and node ids, the DHT values and their checks,
 * the one codec for control datagrams, endpoint conversions and the hard size limits.
 *
 * <ul>
 *   <li>{@link dev.wormholes.proto.Identity} and {@link dev.wormholes.proto.NodeId}: Ed25519 keys
 *       (Bouncy Castle) and 256-bit ids, SHA-256 of the public key, base32 text form.
 *   <li>{@link dev.wormholes.proto.DhtValues}, {@link dev.wormholes.proto.ValueCheck}, {@link
 *       dev.wormholes.proto.ValueValidator}: immutable, mutable (BEP 44) and presence values; checks
 *       that return a typed outcome and never throw.
 *   <li>{@link dev.wormholes.proto.PacketCodec}, {@link dev.wormholes.proto.DecodeResult}, {@link
 *       dev.wormholes.proto.DropReason}: the only door for peer bytes; bad datagrams become typed
 *       drops.
 *   <li>{@link dev.wormholes.proto.Endpoints}: wire endpoints and {@code HOST:PORT} text, no DNS.
 *   <li>{@link dev.wormholes.proto.Limits}: every size and count a peer is held to.
 * </ul>
 *
 * <p>Pure code: nothing here reads a clock, draws its own randomness, starts threads or opens
 * sockets (enforced by {@code sim/.../EnginePurityTest}). The message classes themselves are
 * generated from {@code src/main/proto/wormholes.proto} into {@link dev.wormholes.proto.wire}.
 */
package dev.wormholes.proto;
