/**
 * Channels: a roster signed by its owner (a private network's roster, with epoch keys), signed
 * posts in per-author hash chains sealed under the epoch key, and anti-entropy gossip by heads
 * between members. {@link dev.wormholes.people.channels.Channel} decides what one member takes;
 * {@link dev.wormholes.people.channels.Channels} holds a node's channels and decides whom to sync
 * with and when. Pure: time and randomness are handed in; {@code node/.../channels} drives it.
 */
package dev.wormholes.people.channels;
