/**
 * The driver of private networks (the pure {@code networks} module) on the node's one UDP socket:
 * sealed datagrams (first byte 0x10) opened before anything parses them, one DHT engine per
 * network, roster pushes and joins, the networks kept in the data dir.
 */
package dev.wormholes.node.networks;
