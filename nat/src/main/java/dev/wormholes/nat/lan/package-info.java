/**
 * LAN discovery's datagram and decision, sans-I/O: {@link dev.wormholes.nat.lan.Announce} (the
 * multicast announce's bytes) and {@link dev.wormholes.nat.lan.AnnounceFilter} (which heard
 * announces are reported, on handed-in time). node/'s {@code discovery.LanDiscovery} owns the
 * multicast sockets and the announce timer.
 */
package dev.wormholes.nat.lan;
