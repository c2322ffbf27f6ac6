/**
 * Port mapping towards the default gateway, sans-I/O: codecs for NAT-PMP (RFC 6886), PCP (RFC
 * 6887) and UPnP-IGD (SSDP discovery, device description, SOAP control), and the {@link
 * dev.wormholes.nat.portmap.PortMapper} state machine that tries PCP, then NAT-PMP, then UPnP,
 * renews before the lease expires and deletes the mapping on shutdown. Decoders never throw on
 * peer bytes: they return a {@link dev.wormholes.nat.portmap.Decoded} failure.
 */
package dev.wormholes.nat.portmap;
