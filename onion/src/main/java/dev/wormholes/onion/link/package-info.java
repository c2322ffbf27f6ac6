/**
 * Links between neighbours, pure: {@link dev.wormholes.onion.link.LinkChoice} decides which of two
 * links to the same neighbour a node keeps (the same verdict at both ends) and budgets the
 * neighbour's redials, on the caller's clock.
 */
package dev.wormholes.onion.link;
