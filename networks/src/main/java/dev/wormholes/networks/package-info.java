/**
 * Private friend-to-friend networks, as pure engines: a roster signed by admins and hash-chained
 * ({@link dev.wormholes.networks.Roster}), epoch keys granted to members and rolled on every
 * removal, datagram sealing for one receiver with a replay window and a key id that finds the
 * network without trial decryption ({@link dev.wormholes.networks.Keyring}), which member is at an
 * address ({@link dev.wormholes.networks.Receivers}), and one-time join invites
 * ({@link dev.wormholes.networks.NetworkInvites}). No sockets, clocks or own randomness: time and
 * a random generator are handed in.
 */
package dev.wormholes.networks;
