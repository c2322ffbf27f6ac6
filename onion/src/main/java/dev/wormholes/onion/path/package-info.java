/**
 * Path selection as a pure function: {@link dev.wormholes.onion.path.PathSelection} picks a
 * circuit's hops from a pinned friend and reciprocal signed neighbour lists.
 */
package dev.wormholes.onion.path;
