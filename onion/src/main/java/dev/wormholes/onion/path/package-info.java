/**
 * Paths, pure: {@link dev.wormholes.onion.path.PathSelection} picks a circuit's hops from a pinned
 * friend and reciprocal signed neighbour lists, {@link dev.wormholes.onion.path.Neighbourhood}
 * which of those lists a build reads; {@link dev.wormholes.onion.path.CircuitPlanner}
 * decides the originator's guard, its rebuilds around a hop that did not answer and their cap, on
 * the caller's clock.
 */
package dev.wormholes.onion.path;
