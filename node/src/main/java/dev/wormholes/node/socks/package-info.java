/**
 * The local SOCKS5 proxy (RFC 1928, CONNECT, no authentication, loopback only) through which
 * unmodified programs reach {@code SERVICE.NODE_ID.wh}: names are parsed here, never resolved by
 * DNS, and handed to a {@link dev.wormholes.node.socks.StreamDialer}.
 */
package dev.wormholes.node.socks;
