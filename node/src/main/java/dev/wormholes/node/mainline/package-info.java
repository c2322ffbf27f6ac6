/**
 * The node's client of BitTorrent's mainline DHT: {@link dev.wormholes.node.mainline.MainlineAgent}
 * drives the pure {@code dev.wormholes.mainline.MainlineEngine} on its own UDP socket on the node's
 * event loop; {@link dev.wormholes.node.mainline.PresenceItem} is the presence record's BEP 44 form.
 */
package dev.wormholes.node.mainline;
