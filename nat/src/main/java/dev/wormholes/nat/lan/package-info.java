/**
 * LAN discovery, sans-I/O: {@link dev.wormholes.nat.lan.LanAnnouncer} (the engine: when to
 * announce, what heard is reported, when a report makes a node join), {@link
 * dev.wormholes.nat.lan.Announce} (the multicast announce's bytes) and {@link
 * dev.wormholes.nat.lan.AnnounceFilter} (which heard announces are reported, on handed-in time).
 * node/'s {@code discovery.LanDiscovery} owns the multicast sockets and the timer; sim/'s {@code
 * LanWorkload} drives the same engine on simulated LAN segments.
 */
package dev.wormholes.nat.lan;
