/**
 * Private friend-to-friend networks, as pure engines: a roster signed by admins and hash-chained
 * ({@link dev.wormholes.networks.Roster}), epoch keys granted to members and rolled on every
 * removal, datagram sealing with a replay window and a key id that finds the network without
 * trial decryption ({@link dev.wormholes.networks.Keyring}), and one-time join invites
 * ({@link dev.wormholes.networks.NetworkInvites}). No sockets, clocks or own randomness: time and
 * a random generator are handed in.
 */
package dev.wormholes.networks;
