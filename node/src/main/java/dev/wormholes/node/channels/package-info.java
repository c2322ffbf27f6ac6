/**
 * The daemon side of channels: {@link dev.wormholes.node.channels.ChannelService} drives the pure
 * {@code people.channels.Channels} engine on one thread, over secure streams to the internal
 * service {@code wh-channel} ({@link dev.wormholes.node.channels.ChannelStream}), and keeps it in
 * {@code DATA/channels/} ({@link dev.wormholes.node.channels.ChannelFiles}).
 */
package dev.wormholes.node.channels;
