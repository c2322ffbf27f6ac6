/**
 * LAN discovery: {@link dev.wormholes.node.discovery.LanDiscovery} announces the node on a
 * multicast group and reports the announces of others, so two nodes on one LAN find each other
 * with no flags. An announce only names a candidate: the DHT proves it with a ping before the
 * contact enters a routing table.
 */
package dev.wormholes.node.discovery;
